package io.sbs.control;

import io.sbs.core.SchedulingPolicy;
import org.jspecify.annotations.Nullable;

/**
 * What to preview: a proposed policy, against the current one, on the recorded traffic or a named trace.
 *
 * @param proposed  the policy to try, every setting
 * @param trace     a name from the {@link TraceLibrary}; {@code null} replays the traffic recorded over
 *                  the window
 * @param timeScale arrivals are replayed this many times faster (2 doubles the rate; 1 as recorded), to ask
 *                  "and with more traffic?"; from {@link #MIN_TIME_SCALE} to {@link #MAX_TIME_SCALE}
 * @param seed      seed of the simulated engines' jitter; the same inputs and seed give the same result
 */
public record PreviewRequest(SchedulingPolicy proposed, @Nullable String trace, double timeScale, long seed) {

    /**
     * Bounds of {@link #timeScale}: a thousand times faster already turns ten minutes of traffic into 0.6 s,
     * beyond which every request arrives at once and the projection says nothing more; a hundred times
     * slower stretches it to the preview's span limit.
     */
    public static final double MIN_TIME_SCALE = 0.01;
    public static final double MAX_TIME_SCALE = 1_000;

    public PreviewRequest {
        // the admin API builds this from JSON, where a missing policy arrives as null despite the type
        if (proposed == null) {
            throw new InvalidPreviewException(InvalidPreviewException.Reason.INVALID, "a proposed policy is required");
        }
        if (!(timeScale >= MIN_TIME_SCALE && timeScale <= MAX_TIME_SCALE)) {
            throw new InvalidPreviewException(InvalidPreviewException.Reason.INVALID,
                    "timeScale must be between " + MIN_TIME_SCALE + " and " + MAX_TIME_SCALE + ", was " + timeScale);
        }
        if (trace != null && trace.isBlank()) {
            trace = null;
        }
    }

    /** {@code proposed} on the recorded traffic, as recorded, seed 1. */
    public static PreviewRequest of(SchedulingPolicy proposed) {
        return new PreviewRequest(proposed, null, 1, 1);
    }

    public PreviewRequest withTrace(@Nullable String name) {
        return new PreviewRequest(proposed, name, timeScale, seed);
    }

    public PreviewRequest withTimeScale(double factor) {
        return new PreviewRequest(proposed, trace, factor, seed);
    }

    public PreviewRequest withSeed(long value) {
        return new PreviewRequest(proposed, trace, timeScale, value);
    }
}
