package io.garagehsm.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest, or "dev" when run from classes. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = GarageHsmCommand.class.getPackage().getImplementationVersion();
    return new String[] {"garage-hsm " + (v != null ? v : "dev")};
  }
}
