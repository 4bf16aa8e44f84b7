package dev.jbackprop.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Where the GPU backend's native libraries are written before they are loaded: a folder of the
 * jbackprop cache ({@code $JBACKPROP_CACHE/native}, else {@code $XDG_CACHE_HOME/jbackprop/native},
 * else {@code ~/.cache/jbackprop/native}), never /tmp, which may be mounted noexec (a library there
 * cannot be mapped executable, and loading it fails).
 *
 * <p>Two kinds: our own cuBLAS bridge ({@link #extract}: a content-addressed folder, written
 * atomically, reused when its bytes are the same), and JCuda's natives, which JCuda's loader writes
 * to {@code java.io.tmpdir} by itself; {@link #initialiseJcuda} points that property at
 * {@code native/jcuda} while the JCuda class that loads them initialises, then restores it.
 */
final class NativeCache {
    private NativeCache() {}

    /** The cache root for {@code env} (JBACKPROP_CACHE, XDG_CACHE_HOME) and the user's home. */
    static Path root(Map<String, String> env, String home) {
        String own = env.get("JBACKPROP_CACHE");
        if (own != null && !own.isBlank()) return Path.of(own);
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "jbackprop");
        return Path.of(home, ".cache", "jbackprop");
    }

    static Path dir() {
        return root(System.getenv(), System.getProperty("user.home")).resolve("native");
    }

    /**
     * The resource as {@code dir/<sha-256 prefix>/fileName}: written once (a temporary file in the same
     * folder, then an atomic rename), reused as long as the resource's bytes are the same.
     */
    static Path extract(InputStream resource, Path dir, String fileName) throws IOException {
        byte[] bytes = resource.readAllBytes();
        String hash;
        try {
            hash = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path folder = Files.createDirectories(dir.resolve(hash));
        Path file = folder.resolve(fileName);
        if (Files.isRegularFile(file) && Files.size(file) == bytes.length) return file;
        Path tmp = Files.createTempFile(folder, "." + fileName + ".", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /**
     * Initialises {@code className} (a JCuda class whose static initialiser loads its native library)
     * with java.io.tmpdir pointing at the cache's {@code jcuda} folder, where JCuda's loader then writes
     * and loads the library. Errors of the initialiser (an UnsatisfiedLinkError when libcuda is missing)
     * propagate as they are.
     */
    static synchronized void initialiseJcuda(String className) {
        String previous = System.getProperty("java.io.tmpdir");
        try {
            Path dir = Files.createDirectories(dir().resolve("jcuda"));
            System.setProperty("java.io.tmpdir", dir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("creating the native-library cache " + dir().resolve("jcuda"), e);
        }
        try {
            Class.forName(className, true, NativeCache.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("JCuda is not on the class path: " + className, e);
        } finally {
            if (previous == null) System.clearProperty("java.io.tmpdir");
            else System.setProperty("java.io.tmpdir", previous);
        }
    }
}
