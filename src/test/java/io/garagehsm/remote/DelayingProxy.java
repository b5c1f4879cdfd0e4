package io.garagehsm.remote;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of a Unix socket that holds every client-to-server chunk for a
 * fixed delay before passing it on: the p11-kit RPC protocol sends one request and waits for its
 * answer, so each PKCS#11 call takes at least the delay, like a call to a networked HSM. {@code tc}
 * needs privileges the tests do not have. {@link #dropConnections} cuts every open connection, as a
 * network failure would.
 */
public final class DelayingProxy implements AutoCloseable {
  private final ServerSocketChannel listener;
  private final Path upstream;
  private final long delayMillis;
  private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
  private final AtomicLong delayedChunks = new AtomicLong();
  private final Thread acceptor;
  private volatile boolean closed;

  private DelayingProxy(ServerSocketChannel listener, Path upstream, long delayMillis) {
    this.listener = listener;
    this.upstream = upstream;
    this.delayMillis = delayMillis;
    this.acceptor = new Thread(this::acceptLoop, "delaying-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Listens on a free port of 127.0.0.1 and forwards to the Unix socket {@code upstream}. */
  public static DelayingProxy start(Path upstream, long delayMillis) {
    try {
      ServerSocketChannel s = ServerSocketChannel.open();
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return new DelayingProxy(s, upstream, delayMillis);
    } catch (IOException e) {
      throw new AssertionError("cannot listen on 127.0.0.1: " + e.getMessage(), e);
    }
  }

  public int port() {
    try {
      return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How many requests (chunks towards the server) were held back so far. */
  public long delayedChunks() {
    return delayedChunks.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SocketChannel client = listener.accept();
        SocketChannel server;
        try {
          server = SocketChannel.open(StandardProtocolFamily.UNIX);
          server.connect(UnixDomainSocketAddress.of(upstream));
        } catch (IOException e) {
          client.close(); // the token server is down: the client sees a refused connection
          continue;
        }
        open.add(client);
        open.add(server);
        pump(client, server, delayMillis, "to-server");
        pump(server, client, 0, "to-client");
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void pump(SocketChannel from, SocketChannel to, long delay, String name) {
    Thread t =
        new Thread(
            () -> {
              ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
              try {
                while (from.read(buffer) >= 0) {
                  if (delay > 0) {
                    delayedChunks.incrementAndGet();
                    Thread.sleep(delay);
                  }
                  buffer.flip();
                  while (buffer.hasRemaining()) {
                    to.write(buffer);
                  }
                  buffer.clear();
                }
              } catch (IOException | InterruptedException e) {
                // the other side went away; close both below
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
              }
            },
            "delaying-proxy-" + name);
    t.setDaemon(true);
    t.start();
  }

  /** Cuts every open connection (both sides), as a network failure would. */
  public void dropConnections() {
    for (SocketChannel c : open) {
      closeQuietly(c);
    }
    open.clear();
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    dropConnections();
  }
}
