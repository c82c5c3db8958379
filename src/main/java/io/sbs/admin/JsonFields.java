package io.sbs.admin;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads a JSON object strictly: each accessor names a field it knows, checks its type and notes what is
 * wrong, and {@link #finish()} adds every field nobody asked for, so one 422 lists every fault at once
 * instead of the first a binder trips over. Absent and {@code null} fields read as {@code null}.
 */
final class JsonFields {

    // a key given twice would let one body say two things (last wins): refused as malformed JSON (400)
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final ObjectNode json;
    /** Before every field name in {@link #errors}: empty at the top, {@code "policy."} inside {@code policy}. */
    private final String prefix;
    private final Set<String> known = new HashSet<>();
    /** Shared by a document and its nested objects, so one answer names the faults of all of them. */
    private final Map<String, String> errors;

    private JsonFields(ObjectNode json, String prefix, Map<String, String> errors) {
        this.json = json;
        this.prefix = prefix;
        this.errors = errors;
    }

    /** The body as an object; 400 when it is missing or not JSON, 422 when it is JSON but not an object. */
    static JsonFields parse(@Nullable String body) {
        if (body == null || body.isBlank()) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "the request needs a JSON object as its body");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JacksonException e) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw Problems.invalid(Map.of("$", "must be a JSON object"));
        }
        return new JsonFields(object, "", new LinkedHashMap<>());
    }

    /** A nested object, whose faults are named {@code name.field}; null when absent, null or not an object. */
    @Nullable JsonFields object(String name) {
        JsonNode v = value(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof ObjectNode object)) {
            error(name, "must be a JSON object");
            return null;
        }
        return new JsonFields(object, prefix + name + ".", errors);
    }

    /** Whether the field is present, even as {@code null}. */
    boolean has(String name) {
        known.add(name);
        return json.has(name);
    }

    /** Present and {@code null}: in a merge patch, "back to the default". */
    boolean isNull(String name) {
        known.add(name);
        return json.has(name) && json.get(name).isNull();
    }

    private @Nullable JsonNode value(String name) {
        known.add(name);
        JsonNode v = json.get(name);
        return v == null || v.isNull() ? null : v;
    }

    /**
     * The field's value when present and of the right kind; {@code read} answers null for a value it cannot
     * take, which is then noted as {@code "must be " + kind}.
     */
    private <T> @Nullable T read(String name, String kind, Function<JsonNode, @Nullable T> read) {
        JsonNode v = value(name);
        if (v == null) {
            return null;
        }
        T value = read.apply(v);
        if (value == null) {
            errors.put(prefix + name, "must be " + kind);
        }
        return value;
    }

    @Nullable String text(String name) {
        return read(name, "a string", v -> v.isString() ? v.stringValue() : null);
    }

    @Nullable Integer integer(String name) {
        return read(name, "an integer", v -> v.isIntegralNumber() && v.canConvertToInt() ? v.intValue() : null);
    }

    @Nullable Long longInteger(String name) {
        return read(name, "an integer", v -> v.isIntegralNumber() && v.canConvertToLong() ? v.longValue() : null);
    }

    @Nullable Double number(String name) {
        return read(name, "a number", v -> v.isNumber() ? v.doubleValue() : null);
    }

    /** An ISO-8601 duration string such as {@code "PT0.05S"}. */
    @Nullable Duration duration(String name) {
        return read(name, "an ISO-8601 duration such as \"PT0.05S\" (50 ms)", v -> {
            try {
                return v.isString() ? Duration.parse(v.stringValue()) : null;
            } catch (DateTimeParseException e) {
                return null;
            }
        });
    }

    void error(String name, String reason) {
        errors.putIfAbsent(prefix + name, reason);
    }

    Map<String, String> errors() {
        return errors;
    }

    /** Adds the unknown fields and throws a 422 when anything was wrong, here or in a nested object. */
    void finish() {
        addUnknown();
        if (!errors.isEmpty()) {
            throw Problems.invalid(errors);
        }
    }

    /** The 422 for what is wrong, unknown fields included; for callers that found a fault of their own. */
    ErrorResponseException refusal() {
        addUnknown();
        return Problems.invalid(errors);
    }

    /** Notes this object's unknown fields without throwing, before a nested object's reading may throw. */
    void addUnknown() {
        for (String name : json.propertyNames()) {
            if (!known.contains(name)) {
                errors.put(prefix + name, "unknown field");
            }
        }
    }
}
