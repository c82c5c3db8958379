package io.sbs.control;

import io.sbs.sim.WorkloadRequest;
import java.util.List;

/** Named request traces the {@link PolicyPreview} can replay instead of the recorded traffic. */
public interface TraceLibrary {

    /** No traces at all. */
    TraceLibrary NONE = new TraceLibrary() {
        @Override
        public List<String> names() {
            return List.of();
        }

        @Override
        public List<WorkloadRequest> load(String name) {
            throw new InvalidPreviewException(InvalidPreviewException.Reason.UNKNOWN_TRACE,
                    "unknown trace '" + name + "': no trace library is configured");
        }
    };

    /** The names {@link #load} accepts, sorted. */
    List<String> names();

    /**
     * The trace's requests in arrival order, the first arriving at or after 0.
     *
     * @throws InvalidPreviewException with {@link InvalidPreviewException.Reason#UNKNOWN_TRACE} for a name
     *                                 not in {@link #names()}
     */
    List<WorkloadRequest> load(String name);
}
