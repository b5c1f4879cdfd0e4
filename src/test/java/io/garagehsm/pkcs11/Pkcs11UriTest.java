package io.garagehsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Pkcs11UriTest {

  @Test
  void parsesAllPathAndQueryAttributes() {
    Pkcs11Uri uri =
        Pkcs11Uri.parse(
            "pkcs11:token=ci-root;manufacturer=SoftHSM%20project;serial=31bb5edc8c7b1ae9;"
                + "model=SoftHSM%20v2;library-manufacturer=SoftHSM;library-description=Implementation"
                + "%20of%20PKCS11;library-version=2.6;object=root%20key;id=%01%02%ff;type=private;"
                + "slot-id=7?module-path=/usr/lib/softhsm/libsofthsm2.so&module-name=softhsm2"
                + "&pin-source=file:/run/pin");
    assertEquals(Optional.of("ci-root"), uri.token());
    assertEquals(Optional.of("SoftHSM project"), uri.manufacturer());
    assertEquals(Optional.of("31bb5edc8c7b1ae9"), uri.serial());
    assertEquals(Optional.of("SoftHSM v2"), uri.model());
    assertEquals(Optional.of("SoftHSM"), uri.libraryManufacturer());
    assertEquals(Optional.of("Implementation of PKCS11"), uri.libraryDescription());
    assertEquals(Optional.of("2.6"), uri.libraryVersion());
    assertEquals(Optional.of("root key"), uri.object());
    assertArrayEquals(new byte[] {1, 2, (byte) 0xff}, uri.id().orElseThrow());
    assertEquals(Optional.of("private"), uri.type());
    assertEquals(Optional.of(7L), uri.slotId());
    assertEquals(Optional.of("/usr/lib/softhsm/libsofthsm2.so"), uri.modulePath());
    assertEquals(Optional.of("softhsm2"), uri.moduleName());
    assertEquals(Optional.of("file:/run/pin"), uri.pinSource());
  }

  @Test
  void printsCanonicallyAndReparses() {
    Pkcs11Uri uri =
        Pkcs11Uri.parse(
            "PKCS11:object=a%3Bb%3Bc;token=t%C3%A9st?pin-source=%2Fp&module-path=/m/x.so");
    String printed = uri.toString();
    assertEquals(
        "pkcs11:token=t%C3%A9st;object=a%3Bb%3Bc?module-path=/m/x.so&pin-source=/p", printed);
    assertEquals(uri, Pkcs11Uri.parse(printed));
    assertEquals(printed, Pkcs11Uri.parse(printed).toString());
  }

  @Test
  void idIsAlwaysPrintedAsPercentBytes() {
    Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:id=AB%0a");
    assertArrayEquals(new byte[] {'A', 'B', 0x0a}, uri.id().orElseThrow());
    assertEquals("pkcs11:id=%41%42%0A", uri.toString());
  }

  @Test
  void escapesWhatMustBeEscaped() {
    Pkcs11Uri uri = Pkcs11Uri.forToken("a b;c?d/e%f&g").withQuery("module-path", "/x y/lib&z.so");
    assertEquals(
        "pkcs11:token=a%20b%3Bc%3Fd%2Fe%25f&g?module-path=/x%20y/lib%26z.so", uri.toString());
    assertEquals(uri, Pkcs11Uri.parse(uri.toString()));
    assertEquals("a b;c?d/e%f&g", Pkcs11Uri.parse(uri.toString()).token().orElseThrow());
  }

  @Test
  void tokenPartDropsObjectAttributesButKeepsTheModule() {
    Pkcs11Uri uri =
        Pkcs11Uri.parse("pkcs11:token=t;object=k;id=%01;type=private?module-path=/m.so");
    assertEquals("pkcs11:token=t?module-path=/m.so", uri.tokenPart().toString());
    assertFalse(uri.tokenPart().hasObjectSelector());
  }

  @Test
  void withObjectReplacesLabelAndId() {
    Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=t;object=old;id=%09");
    assertEquals(
        "pkcs11:token=t;object=new;id=%0A%0B",
        uri.withObject("new", new byte[] {10, 11}).toString());
    assertEquals("pkcs11:token=t;object=only", uri.withObject("only", null).toString());
  }

  @Test
  void emptyUriIsValid() {
    assertEquals("pkcs11:", Pkcs11Uri.parse("pkcs11:").toString());
    assertFalse(Pkcs11Uri.parse("pkcs11:").hasTokenSelector());
  }

  @Test
  void pinValueIsRefusedWithoutEchoingThePin() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Pkcs11Uri.parse("pkcs11:token=t?pin-value=s3cr3t"));
    assertTrue(e.getMessage().contains("'pin-value'"), e.getMessage());
    assertTrue(e.getMessage().contains("--pin-file"), e.getMessage());
    assertFalse(e.getMessage().contains("s3cr3t"));
    assertFalse(e.getMessage().contains("\n"));
    assertThrows(IllegalArgumentException.class, () -> Pkcs11Uri.parse("pkcs11:pin-value=1234"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "http://x | pkcs11:",
        "pkcs11:token | 'token' is not of the form",
        "pkcs11:=x | '=x' is not of the form",
        "pkcs11:token=a;token=b | 'token' appears more than once",
        "pkcs11:id=%1 | 'id' has a bad percent-escape '%1'",
        "pkcs11:object=%zz | 'object' has a bad percent-escape '%zz'",
        "pkcs11:object=a b | 'object' contains a character",
        "pkcs11:type=secret | 'type' must be one of",
        "pkcs11:library-version=two | 'library-version'",
        "pkcs11:slot-id=-1 | 'slot-id' must be a decimal",
        "pkcs11:colour=red | unknown path attribute 'colour'",
        "pkcs11:token=t?module=x | unknown query attribute 'module'",
        "pkcs11:token= | 'token' is empty",
        "pkcs11:token=%C3%28 | 'token' is not valid UTF-8",
      })
  void badInputGivesOneLineMessagesNamingTheAttribute(String input, String expected) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Pkcs11Uri.parse(input));
    assertTrue(e.getMessage().contains(expected.strip()), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken",
        "pkcs11:object=my-pubkey;type=public",
        "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-source=file:/etc/token",
        "pkcs11:slot-description=Sun%20Metaslot",
        "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token;library-version=1",
        "pkcs11:x-vendor=abc;token=t",
      })
  void acceptsRfc7512Examples(String text) {
    Pkcs11Uri uri = Pkcs11Uri.parse(text);
    assertEquals(uri, Pkcs11Uri.parse(uri.toString()));
  }
}
