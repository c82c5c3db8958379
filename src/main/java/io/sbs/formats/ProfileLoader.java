package io.sbs.formats;

import io.sbs.sim.EngineProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Loads {@link EngineProfile engine profiles} from JSON: a bundled one by name ({@code profiles/<name>.json}
 * on the classpath; the bundled names are listed in {@code profiles/index.json}, since a jar cannot be
 * listed portably) or any file by path. Loading is strict, because a hand-fitted profile with a typo
 * should fail rather than run with a default: unknown fields and missing fields are errors naming the
 * field and where it sits ({@code description} alone may be left out), and the profile's own validation
 * errors are reported with the file name. Every failure is an {@link IllegalArgumentException} whose
 * message starts with the file or resource name.
 */
public final class ProfileLoader {

    private static final String INDEX = "profiles/index.json";
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ProfileLoader() {
    }

    /** The names of the bundled profiles, in the order {@code profiles/index.json} lists them. */
    public static List<String> available() {
        try (InputStream in = resource(INDEX)) {
            return List.of(JSON.readValue(in, String[].class));
        } catch (JacksonException e) {
            throw new IllegalStateException(INDEX + ": expected a JSON array of profile names: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + INDEX, e);
        }
    }

    /**
     * A profile file when {@code nameOrPath} names an existing file (or ends in {@code .json}), otherwise a
     * bundled profile by name.
     */
    public static EngineProfile load(String nameOrPath) {
        if (nameOrPath.endsWith(".json") || Files.isRegularFile(Path.of(nameOrPath))) {
            return load(Path.of(nameOrPath));
        }
        List<String> names = available();
        if (!names.contains(nameOrPath)) {
            throw new IllegalArgumentException("no profile '" + nameOrPath + "': bundled ones are " + names
                    + ", or pass the path of a JSON file");
        }
        String name = "profiles/" + nameOrPath + ".json";
        try (InputStream in = resource(name)) {
            return parse(in, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    /** A profile from a JSON file. */
    public static EngineProfile load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no profile file " + file);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A profile from JSON in {@code in}; {@code source} names it in error messages. */
    public static EngineProfile parse(InputStream in, String source) {
        try {
            JsonNode tree = JSON.readTree(in);
            if (tree == null || !tree.isObject()) {
                throw new IllegalArgumentException(source + ": expected a JSON object");
            }
            ObjectNode profile = (ObjectNode) tree;
            if (!profile.has("description")) {
                profile.put("description", "");
            }
            return JSON.treeToValue(profile, EngineProfile.class);
        } catch (DatabindException e) {
            String at = e.getPath().stream().map(r -> r.getPropertyName() != null ? r.getPropertyName()
                    : String.valueOf(r.getIndex())).collect(Collectors.joining("."));
            Throwable cause = e.getCause();
            String why;
            if (cause instanceof NullPointerException) {
                // the records say Objects.requireNonNull(field, "field")
                why = "'" + cause.getMessage() + "' must not be null";
            } else if (cause instanceof IllegalArgumentException) {
                why = cause.getMessage();
            } else if (e.getOriginalMessage().startsWith("Missing creator property")) {
                why = "missing field";
            } else {
                why = e.getOriginalMessage();
            }
            throw new IllegalArgumentException(source + ": " + (at.isEmpty() ? "" : "at '" + at + "': ") + why, e);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": malformed JSON: " + e.getOriginalMessage(), e);
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
