package io.sbs.web;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The meter {@code http.server.requests} for the answers of {@link InferenceRoutes}, with the tags Spring's
 * observation gives every other answer ({@code uri}, {@code method}, {@code status}, {@code outcome},
 * {@code exception}, {@code error}), so operators and {@code bench live} count the ingress's answers as
 * before. The timers are looked up once: an answer of 200 takes a field, any other a map keyed by its tags.
 */
final class IngressTimers {

    static final String NAME = "http.server.requests";
    private static final String NONE = "none";
    private static final String UNKNOWN = "UNKNOWN";

    /** The routes' paths, as the {@code uri} tag names them. */
    enum Uri {
        CHAT(InferenceRoutes.CHAT, "POST"), COMPLETIONS(InferenceRoutes.COMPLETIONS, "POST"),
        MODELS(InferenceRoutes.MODELS, "GET");

        final String path;
        final String method;

        Uri(String path, String method) {
            this.path = path;
            this.method = method;
        }
    }

    private record Key(Uri uri, int status, String exception) {
    }

    private final MeterRegistry registry;
    private final Timer[] ok = new Timer[Uri.values().length];
    private final Timer[] aborted = new Timer[Uri.values().length];
    private final Map<Key, Timer> others = new ConcurrentHashMap<>();

    IngressTimers(MeterRegistry registry) {
        this.registry = registry;
        for (Uri uri : Uri.values()) {
            ok[uri.ordinal()] = timer(uri, "200", "SUCCESS", NONE);
            // a client that left before the answer ended, as Spring tags an aborted connection
            aborted[uri.ordinal()] = timer(uri, UNKNOWN, UNKNOWN, NONE);
        }
    }

    /** An answer of {@code status}; {@code error} is the client mistake or fault it answered, if any. */
    void record(Uri uri, int status, @Nullable Throwable error, long nanos) {
        Timer timer = status == 200 && error == null ? ok[uri.ordinal()]
                : others.computeIfAbsent(new Key(uri, status, error == null ? NONE : error.getClass().getSimpleName()),
                        k -> timer(k.uri(), Integer.toString(k.status()), outcome(k.status()), k.exception()));
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The client went away before its answer ended. */
    void recordAborted(Uri uri, long nanos) {
        aborted[uri.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(Uri uri, String status, String outcome, String exception) {
        return Timer.builder(NAME).tags(Tags.of("uri", uri.path, "method", uri.method, "status", status, "outcome",
                outcome, "exception", exception, "error", exception)).register(registry);
    }

    private static String outcome(int status) {
        return switch (status / 100) {
            case 1 -> "INFORMATIONAL";
            case 2 -> "SUCCESS";
            case 3 -> "REDIRECTION";
            case 4 -> "CLIENT_ERROR";
            case 5 -> "SERVER_ERROR";
            default -> UNKNOWN;
        };
    }
}
