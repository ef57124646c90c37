package dev.flowline.output;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/** SHA-256 and MD5 of byte arrays, as the S3 API and the result record spell them. */
public final class Digests {
    private Digests() {}

    public static byte[] sha256(byte[] data) {
        return digest("SHA-256", data);
    }

    public static String sha256Hex(byte[] data) {
        return HexFormat.of().formatHex(sha256(data));
    }

    static String md5Hex(byte[] data) {
        return HexFormat.of().formatHex(digest("MD5", data));
    }

    static String base64(byte[] digest) {
        return Base64.getEncoder().encodeToString(digest);
    }

    static String hexOfBase64(String b64) {
        return HexFormat.of().formatHex(Base64.getDecoder().decode(b64));
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }
}
