/*
 * Copyright 2026 The kxops authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.kxops.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * The operator's image as the build writes it: {@code target/kxchangeset-operator-image.tar}, an
 * OCI image layout in a tar (Jib's buildTar), with its index, manifest, config and layers; reads it
 * without a container engine and extracts its root filesystem. The one place tests learn the
 * image's path and reference from (a node imports {@link #TAR} and runs {@link #reference()}).
 */
public final class OperatorImage {

  /** The tarball {@code mvn package} builds (operator.pom.xml, property image.tar). */
  public static final Path TAR = Path.of("target", "kxchangeset-operator-image.tar");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path tar;
  private final Map<String, byte[]> blobs = new HashMap<>();
  private final Map<String, Path> bigBlobs = new HashMap<>();
  private final Path blobDir;

  private OperatorImage(Path tar, Path blobDir) {
    this.tar = tar;
    this.blobDir = blobDir;
  }

  /** Reads {@link #TAR}; layers are kept as files under {@code workDir}. */
  public static OperatorImage read(Path workDir) throws IOException {
    return read(TAR, workDir);
  }

  public static OperatorImage read(Path tar, Path workDir) throws IOException {
    if (!Files.isRegularFile(tar)) {
      throw new IllegalStateException(tar + " is missing; build it with mvn -B package");
    }
    OperatorImage image = new OperatorImage(tar, Files.createDirectories(workDir));
    try (InputStream in = Files.newInputStream(tar)) {
      readTar(
          in,
          (entry, data) -> {
            if (entry.type() != '0') {
              return;
            }
            if (entry.size() < 1 << 20) {
              image.blobs.put(entry.path(), data.readAllBytes());
            } else {
              Path file = image.blobDir.resolve(entry.path().replace('/', '_'));
              Files.copy(data, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
              image.bigBlobs.put(entry.path(), file);
            }
          });
    }
    return image;
  }

  public Path tar() {
    return tar;
  }

  /** index.json: one manifest. */
  public JsonNode index() {
    return json("index.json");
  }

  /**
   * The image's name inside the tarball, e.g. {@code
   * kxops.local/kxchangeset-operator:0.1.0-SNAPSHOT}.
   */
  public String reference() {
    return index()
        .path("manifests")
        .path(0)
        .path("annotations")
        .path("org.opencontainers.image.ref.name")
        .asText();
  }

  /** The manifest's digest, {@code sha256:...}: the image digest a registry would report. */
  public String digest() {
    return index().path("manifests").path(0).path("digest").asText();
  }

  public JsonNode manifest() {
    return json(blobPath(digest()));
  }

  public JsonNode config() {
    return json(blobPath(manifest().path("config").path("digest").asText()));
  }

  /** The layers' digests, bottom first. */
  public List<String> layerDigests() {
    List<String> digests = new ArrayList<>();
    manifest().path("layers").forEach(l -> digests.add(l.path("digest").asText()));
    return digests;
  }

  /** Calls {@code visitor} for each entry of a layer (gzipped tar), with its content. */
  public void forEachEntry(String layerDigest, EntryVisitor visitor) throws IOException {
    try (InputStream in = new GZIPInputStream(openBlob(blobPath(layerDigest)), 1 << 16)) {
      readTar(in, visitor);
    }
  }

  /**
   * Extracts every layer, bottom first, into {@code root} (files, directories and symbolic links
   * with their modes; owners are left to the caller, who is root or not).
   */
  public void extractTo(Path root) throws IOException {
    Files.createDirectories(root);
    for (String layer : layerDigests()) {
      forEachEntry(
          layer,
          (entry, data) -> {
            Path target = root.resolve(entry.path()).normalize();
            if (!target.startsWith(root)) {
              throw new IOException("entry outside the root: " + entry.path());
            }
            switch (entry.type()) {
              case '5' -> Files.createDirectories(target);
              case '2' -> {
                Files.createDirectories(target.getParent());
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, Path.of(entry.linkName()));
              }
              case '0' -> {
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target)) {
                  data.transferTo(out);
                }
              }
              default -> throw new IOException("unexpected entry type " + entry.type());
            }
            if (entry.type() != '2') {
              Files.setPosixFilePermissions(target, permissions(entry.mode()));
            }
          });
    }
  }

  private JsonNode json(String path) {
    try (InputStream in = openBlob(path)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private InputStream openBlob(String path) throws IOException {
    byte[] small = blobs.get(path);
    if (small != null) {
      return new java.io.ByteArrayInputStream(small);
    }
    Path big = bigBlobs.get(path);
    if (big == null) {
      throw new IOException(path + " is not in " + tar);
    }
    return Files.newInputStream(big);
  }

  private static String blobPath(String digest) {
    return "blobs/" + digest.replace(':', '/');
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) {
        set.add(order[i]);
      }
    }
    return set;
  }

  /** One tar entry: type '0' file, '5' directory, '2' symbolic link, '1' hard link. */
  public record Entry(
      String path,
      int mode,
      long uid,
      long gid,
      Instant mtime,
      char type,
      String linkName,
      long size) {}

  /** Receives an entry and a stream of its content (empty for all but files). */
  @FunctionalInterface
  public interface EntryVisitor {
    void visit(Entry entry, InputStream data) throws IOException;
  }

  /**
   * A reader of the tar formats Jib and its base layers write: ustar headers, PAX extended headers
   * ('x', which may override path, linkpath, size, mtime, uid, gid) and GNU long names ('L').
   * Leading "./" is dropped from names.
   */
  static void readTar(InputStream in, EntryVisitor visitor) throws IOException {
    byte[] header = new byte[512];
    Map<String, String> pax = new HashMap<>();
    String longName = null;
    while (true) {
      if (!readFully(in, header)) {
        return;
      }
      if (isZero(header)) {
        return;
      }
      String name = string(header, 0, 100);
      int mode = (int) octal(header, 100, 8);
      long uid = octal(header, 108, 8);
      long gid = octal(header, 116, 8);
      long size = octal(header, 124, 12);
      long mtime = octal(header, 136, 12);
      char type = header[156] == 0 ? '0' : (char) header[156];
      String link = string(header, 157, 100);
      String prefix = "ustar".equals(string(header, 257, 5)) ? string(header, 345, 155) : "";
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
      if (type == 'x' || type == 'g' || type == 'L') {
        byte[] data = readData(in, size);
        if (type == 'x') {
          pax = parsePax(data);
        } else if (type == 'L') {
          longName = new String(data, StandardCharsets.UTF_8).replace("\0", "");
        }
        continue;
      }
      if (longName != null) {
        name = longName;
      }
      name = pax.getOrDefault("path", name);
      link = pax.getOrDefault("linkpath", link);
      size = Long.parseLong(pax.getOrDefault("size", Long.toString(size)));
      uid = Long.parseLong(pax.getOrDefault("uid", Long.toString(uid)));
      gid = Long.parseLong(pax.getOrDefault("gid", Long.toString(gid)));
      Instant time =
          pax.containsKey("mtime")
              ? Instant.ofEpochMilli((long) (Double.parseDouble(pax.get("mtime")) * 1000))
              : Instant.ofEpochSecond(mtime);
      pax = new HashMap<>();
      longName = null;
      while (name.startsWith("./")) {
        name = name.substring(2);
      }
      if (name.endsWith("/")) {
        name = name.substring(0, name.length() - 1);
      }
      Entry entry = new Entry(name, mode, uid, gid, time, type, link, size);
      BoundedInputStream data = new BoundedInputStream(in, size);
      if (!name.isEmpty()) {
        visitor.visit(entry, data);
      }
      data.skipRest();
      long pad = (512 - size % 512) % 512;
      in.skipNBytes(pad);
    }
  }

  private static Map<String, String> parsePax(byte[] data) {
    Map<String, String> map = new HashMap<>();
    int i = 0;
    while (i < data.length) {
      int space = i;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      if (space >= data.length) {
        break;
      }
      int length = Integer.parseInt(new String(data, i, space - i, StandardCharsets.UTF_8));
      String record = new String(data, space + 1, length - (space - i) - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      map.put(record.substring(0, eq), record.substring(eq + 1));
      i += length;
    }
    return map;
  }

  private static byte[] readData(InputStream in, long size) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BoundedInputStream(in, size).transferTo(out);
    in.skipNBytes((512 - size % 512) % 512);
    return out.toByteArray();
  }

  private static boolean readFully(InputStream in, byte[] buffer) throws IOException {
    int n = in.readNBytes(buffer, 0, buffer.length);
    if (n == 0) {
      return false;
    }
    if (n < buffer.length) {
      throw new EOFException("truncated tar header");
    }
    return true;
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String string(byte[] b, int offset, int length) {
    int end = offset;
    while (end < offset + length && b[end] != 0) {
      end++;
    }
    return new String(b, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int offset, int length) {
    String s = string(b, offset, length).trim();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }

  /** The content of one entry; closing it does not close the tar. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long size) {
      this.in = in;
      this.remaining = size;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("truncated tar entry");
      }
      remaining--;
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(buffer, offset, (int) Math.min(length, remaining));
      if (n < 0) {
        throw new EOFException("truncated tar entry");
      }
      remaining -= n;
      return n;
    }

    @Override
    public void close() {}

    void skipRest() throws IOException {
      in.skipNBytes(remaining);
      remaining = 0;
    }
  }
}
