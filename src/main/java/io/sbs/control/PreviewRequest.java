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
 *                  "and with more traffic?"
 * @param seed      seed of the simulated engines' jitter; the same inputs and seed give the same result
 */
public record PreviewRequest(SchedulingPolicy proposed, @Nullable String trace, double timeScale, long seed) {

    public PreviewRequest {
        // the admin API builds this from JSON, where a missing policy arrives as null despite the type
        if (proposed == null) {
            throw new InvalidPreviewException(InvalidPreviewException.Reason.INVALID, "a proposed policy is required");
        }
        if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
            throw new InvalidPreviewException(InvalidPreviewException.Reason.INVALID,
                    "timeScale must be a finite number above 0, was " + timeScale);
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
