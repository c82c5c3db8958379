package io.sbs;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Netty's reports of {@code ByteBuf}s collected unreleased, while a scenario runs with every buffer tracked
 * (paranoid leak detection). Netty finds a leak only once the collector has taken its buffer, and says so only
 * when a buffer is next allocated, at ERROR, in whatever test runs then; {@link #reports()} makes both happen
 * now and hands over what it logged.
 */
public final class NettyLeaks implements AutoCloseable {

    private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private NettyLeaks() {
        // leaks of buffers made before (by other tests) are reported now, not counted against the scenario
        collect();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        appender.start();
        logger.addAppender(appender);
    }

    /** Tracks every buffer from now on, and listens for leak reports. */
    public static NettyLeaks paranoid() {
        return new NettyLeaks();
    }

    /** The leak reports of buffers made since {@link #paranoid()}, each with its access records. */
    public List<String> reports() {
        collect();
        synchronized (appender.list) {
            // a buffer made before, while sampling, is reported without records: it is not the scenario's
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("LEAK:") && !m.contains("Enable advanced leak reporting")).toList();
        }
    }

    private static void collect() {
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // Netty looks for collected buffers as it tracks a new one
            for (int k = 0; k < 50; k++) {
                ByteBufAllocator.DEFAULT.directBuffer(16).release();
                ByteBufAllocator.DEFAULT.heapBuffer(16).release();
            }
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
        ResourceLeakDetector.setLevel(before);
    }
}
