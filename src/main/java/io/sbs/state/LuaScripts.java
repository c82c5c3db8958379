package io.sbs.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Lua scripts of the repository's {@code redis/} folder, from the classpath. A fenced script is
 * {@code fence.lua} followed by its body, so every write checks the lease the same way and no script can
 * forget to.
 */
final class LuaScripts {

    private LuaScripts() {
    }

    static <T> RedisScript<T> plain(String file, Class<T> type) {
        return RedisScript.of(read(file), type);
    }

    /** {@code fence.lua}, then {@code file}: KEYS[1] must be the lease, ARGV[1] the node, ARGV[2] its epoch. */
    static <T> RedisScript<T> fenced(String file, Class<T> type) {
        return RedisScript.of(read("fence.lua") + "\n" + read(file), type);
    }

    private static String read(String file) {
        try {
            return new ClassPathResource("redis/" + file).getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the Lua script redis/" + file + " is missing from the classpath", e);
        }
    }
}
