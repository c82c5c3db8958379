package io.sbs.bench.io;

import io.sbs.sim.EngineProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Loads engine profiles: a bundled one by name ({@code profiles/<name>.json} on the classpath, listed
 * in {@code profiles/index.json}) or any JSON file by path. Unknown fields are errors, so a typo in a
 * hand-fitted profile is reported rather than silently ignored.
 */
public final class ProfileLoader {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ProfileLoader() {
    }

    /** The names of the bundled profiles. */
    public static List<String> available() {
        try (InputStream in = resource("profiles/index.json")) {
            return List.of(JSON.readValue(in, String[].class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A bundled profile by name, or a profile file when {@code nameOrPath} names an existing file. */
    public static EngineProfile load(String nameOrPath) {
        Path path = Path.of(nameOrPath);
        if (Files.isRegularFile(path)) {
            try (InputStream in = Files.newInputStream(path)) {
                return parse(in, path.toString());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path, e);
            }
        }
        if (!available().contains(nameOrPath)) {
            throw new IllegalArgumentException("no profile '" + nameOrPath + "': bundled ones are " + available()
                    + ", or pass a path to a JSON file");
        }
        try (InputStream in = resource("profiles/" + nameOrPath + ".json")) {
            return parse(in, "profiles/" + nameOrPath + ".json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static EngineProfile parse(InputStream in, String name) {
        try {
            return JSON.readValue(in, EngineProfile.class);
        } catch (JacksonException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException(name + ": " + (cause instanceof JacksonException je
                    ? je.getOriginalMessage() : cause.getMessage()), e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = ProfileLoader.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("missing classpath resource " + name);
        }
        return in;
    }
}
