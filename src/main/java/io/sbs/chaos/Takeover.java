package io.sbs.chaos;

import io.sbs.tools.Wait;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The moment a node took over: the first answer of its health endpoint, polled every {@value #POLL_MS} ms,
 * that says it leads at an epoch newer than the deposed leader's. The time is when that answer arrived,
 * so a takeover is never reported shorter than it was (at most a poll and a call longer).
 *
 * @param atNanos {@link System#nanoTime} when the answer arrived
 */
record Takeover(long epoch, long atNanos) {

    static final long POLL_MS = 10;
    static final Duration LIMIT = Duration.ofSeconds(30);

    /** Polls {@code node} from now until {@code since + LIMIT}; null when it never led in that time. */
    static @Nullable Takeover await(DispatcherNode node, long since, long oldEpoch) throws InterruptedException {
        while (System.nanoTime() - since < LIMIT.toNanos()) {
            long next = System.nanoTime() + POLL_MS * 1_000_000;
            DispatcherNode.Leadership l = node.leadership();
            if (l != null && l.leader() && l.epoch() > oldEpoch) {
                return new Takeover(l.epoch(), System.nanoTime());
            }
            Wait.untilNanos(next);
        }
        return null;
    }
}
