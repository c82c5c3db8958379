package io.sbs;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * Netty's reports of {@code ByteBuf}s collected unreleased, while a scenario runs with every buffer tracked
 * (paranoid leak detection). Netty finds a leak only once the collector has taken its buffer, and says so only
 * when a buffer is next allocated, at ERROR, in whatever test runs then; {@link #reports()} makes both happen
 * now and hands over what was found.
 *
 * <p>The reports are taken from the buffers' leak detector itself, not from the log: a Spring application
 * starting or stopping in the test's JVM resets logback and would drop a listening appender. The detector is
 * Netty's package-private {@code AbstractByteBuf.leakDetector}, hence the reflection.
 */
public final class NettyLeaks implements AutoCloseable {

    /** The bound on the wait for one collection's references; a JVM that ignores {@code System.gc()} ends it. */
    private static final long MARKER_WAIT_MILLIS = 2_000;

    private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
    private final ResourceLeakDetector<ByteBuf> detector = detector();
    private final List<String> reports = new ArrayList<>();

    private NettyLeaks() {
        // leaks of buffers made before (by other tests) are reported now, not counted against the scenario
        collect();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        detector.setLeakListener((type, records) -> {
            // a buffer made before, while sampling, is reported without records: it is not the scenario's
            if (!records.isEmpty()) {
                synchronized (reports) {
                    reports.add(type + " leaked:" + records);
                }
            }
        });
    }

    /** Tracks every buffer from now on, and listens for leak reports. */
    public static NettyLeaks paranoid() {
        return new NettyLeaks();
    }

    /** The leak reports of buffers made since {@link #paranoid()}, each with its access records. */
    public List<String> reports() {
        collect();
        synchronized (reports) {
            return List.copyOf(reports);
        }
    }

    @SuppressWarnings("unchecked")
    private static ResourceLeakDetector<ByteBuf> detector() {
        try {
            Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            return (ResourceLeakDetector<ByteBuf>) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Netty's ByteBuf leak detector is not where it was", e);
        }
    }

    private static void collect() {
        for (int i = 0; i < 5; i++) {
            // Netty's trackers are weak references: once a marker collected in the same cycle is enqueued, the
            // reference handler has enqueued that cycle's references, the trackers of collected buffers with them
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> marker = new WeakReference<>(new Object(), queue);
            System.gc();
            try {
                queue.remove(MARKER_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Reference.reachabilityFence(marker);
            // Netty looks for collected buffers as it tracks a new one
            for (int k = 0; k < 50; k++) {
                ByteBufAllocator.DEFAULT.directBuffer(16).release();
                ByteBufAllocator.DEFAULT.heapBuffer(16).release();
            }
        }
    }

    @Override
    public void close() {
        detector.setLeakListener(null);
        ResourceLeakDetector.setLevel(before);
    }
}
