package io.garagehsm.cli;

import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where a command's picocli model comes from. The build generates {@code GeneratedCommandModels}
 * (CommandModelGenerator in the test sources writes it from the annotations after the main compile,
 * and a second compile adds it to target/classes): code that builds each command's {@link
 * CommandSpec} from constant annotation values through picocli's own builders. picocli's reflection
 * (annotations read with AnnotationParser and seven proxy classes spun at run time, which no class
 * data archive holds) cost a short command about a quarter of its run. A class without a generated
 * model (a build that skipped the step, e.g. an IDE) gets picocli's reflection, and {@link
 * #REFLECTIVE} counts it; CommandModelTest checks that every shipped command has one and that each
 * equals the reflective model.
 */
final class CommandModel {
  static final String GENERATED = "io.garagehsm.cli.GeneratedCommandModels";

  /** How many command classes this process built by reflection (a test reads it). */
  static final AtomicInteger REFLECTIVE = new AtomicInteger();

  private CommandModel() {}

  /** The generated models of one build: implemented by the generated class. */
  abstract static class Generated {
    /**
     * The spec of {@code command} (an instance, or a class that picocli instantiates with the
     * factory when a field is first read), or null when none was generated for its class.
     */
    abstract CommandSpec spec(Object command, CommandLine.IFactory factory);

    /** The {@code @Command} name of {@code command}, or null when none was generated for it. */
    abstract String name(Class<?> command);

    /** The {@code @Command} aliases of {@code command} (only with a non-null {@link #name}). */
    abstract String[] aliases(Class<?> command);
  }

  /** Loaded once per process, on first use: null when the build generated none. */
  private static final class Loaded {
    static final Generated MODELS = load();

    private static Generated load() {
      try {
        return (Generated)
            Class.forName(GENERATED, true, CommandModel.class.getClassLoader())
                .getDeclaredConstructor()
                .newInstance();
      } catch (ClassNotFoundException e) {
        return null;
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot load " + GENERATED, e);
      }
    }
  }

  /** The generated models, or null when the build made none. */
  static Generated generated() {
    return Loaded.MODELS;
  }

  /**
   * What to hand to {@code new CommandLine(...)} for {@code command} (an instance or a class): its
   * generated spec, or {@code command} itself for picocli to reflect on.
   */
  static Object of(Object command, CommandLine.IFactory factory, boolean generatedModel) {
    Generated models = generatedModel ? generated() : null;
    if (models != null) {
      CommandSpec spec = models.spec(command, factory);
      if (spec != null) {
        return spec;
      }
    }
    REFLECTIVE.incrementAndGet();
    return command;
  }

  /** The name and aliases of a command class, as its {@code @Command} has them. */
  static boolean answersTo(Class<?> command, String word) {
    Generated models = generated();
    String name = models == null ? null : models.name(command);
    if (name == null) {
      CommandLine.Command cmd = command.getAnnotation(CommandLine.Command.class);
      return cmd.name().equals(word) || java.util.List.of(cmd.aliases()).contains(word);
    }
    if (name.equals(word)) {
      return true;
    }
    for (String alias : models.aliases(command)) {
      if (alias.equals(word)) {
        return true;
      }
    }
    return false;
  }
}
