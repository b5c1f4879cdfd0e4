package io.garagehsm.signing;

import io.garagehsm.metadata.SignatureMethod;
import io.garagehsm.metadata.TufKey;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * A file key's signature made on another thread before its turn, so that the keys of one command
 * sign side by side (an Ed25519 root key beside an RSA-4096 one) while everything the user sees —
 * the opening of each key, its messages, the signature log, the first error — still happens one key
 * after the other. The signature made ahead is used only when, at its turn, the key opened there is
 * the same key and the data the same bytes; otherwise, or if anything failed ahead, the key signs
 * then, as it always did, and meets its own errors. Only file keys: a token key's session, PIN
 * prompt and single PIN try stay in their turn.
 */
public final class SignatureAhead {
  private final byte[] data;
  private final FutureTask<Made> task;

  private record Made(TufKey publicKey, byte[] sig) {}

  private SignatureAhead(byte[] data, FutureTask<Made> task) {
    this.data = data;
    this.task = task;
  }

  /**
   * Loads the key with {@code load} and signs {@code data} on a new thread; the signature is also
   * checked there (the check's verdict is remembered, so its turn does not pay it again).
   */
  public static SignatureAhead start(Supplier<FileSigner> load, byte[] data) {
    FutureTask<Made> task = new FutureTask<>(new Signing(load, data));
    Thread t = new Thread(task, "signature-ahead");
    t.setDaemon(true);
    t.start();
    return new SignatureAhead(data, task);
  }

  /** Loads, signs and checks (a class, not a lambda: a lambda's first call costs its bootstrap). */
  private static final class Signing implements Callable<Made> {
    private final Supplier<FileSigner> load;
    private final byte[] data;

    Signing(Supplier<FileSigner> load, byte[] data) {
      this.load = load;
      this.data = data;
    }

    @Override
    public Made call() {
      FileSigner s = load.get();
      byte[] sig = s.sign(data);
      SignatureMethod m = s.method();
      m.verify(s.publicKey().publicKey(), data, sig);
      return new Made(s.publicKey(), sig);
    }
  }

  /**
   * {@code s} itself, except that signing the data given to {@link #start} with the same key
   * returns the signature made ahead (a token key gets {@code s} unchanged).
   */
  public Signer standIn(Signer s) {
    if (s.token().isPresent()) {
      return s;
    }
    return new Signer() {
      @Override
      public TufKey publicKey() {
        return s.publicKey();
      }

      @Override
      public String keyId() {
        return s.keyId();
      }

      @Override
      public SignatureMethod method() {
        return s.method();
      }

      @Override
      public String location() {
        return s.location();
      }

      @Override
      public Optional<TokenIdentity> token() {
        return s.token();
      }

      @Override
      public byte[] sign(byte[] d) {
        byte[] sig = made(s.publicKey(), d);
        return sig != null ? sig : s.sign(d);
      }

      @Override
      public void close() {
        s.close();
      }
    };
  }

  private byte[] made(TufKey key, byte[] d) {
    if (!Arrays.equals(d, data)) {
      return null;
    }
    try {
      Made m = task.get();
      return Arrays.equals(m.publicKey().spki(), key.spki()) ? m.sig().clone() : null;
    } catch (ExecutionException e) {
      return null; // the key signs in its turn and reports its own error there
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
