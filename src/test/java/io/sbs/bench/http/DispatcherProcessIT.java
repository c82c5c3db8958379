package io.sbs.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's dispatcher in its own JVM, as {@code app/bench http} runs it: it starts from this build,
 * routes every request to the instant engines, is charged its own CPU, leaves no generated password in its
 * log, and is gone after close. The same for the Reactor Netty proxy, the floor beside it.
 */
class DispatcherProcessIT {

    @Test
    void startsServesAndStops(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("dispatcher.log");
        ProcessHandle process;
        try (InstantEngine engine = new InstantEngine(2, 8, 1);
                LoadGenerator load = new LoadGenerator(4, 1);
                Dispatcher d = Dispatcher.start("round-robin", engine.ports(), 8, 4096, List.of("-Xmx256m"), log)) {
            process = d.process();
            LoadGenerator.Run run = load.openLoop("http://127.0.0.1:" + d.port(), 100, Duration.ofSeconds(2));
            assertThat(run.ok()).isEqualTo(run.sent()).isGreaterThan(150);
            assertThat(engine.served()).allSatisfy(n -> assertThat(n).isGreaterThan(run.sent() / 2 - 5));
            assertThat(CpuMeter.treeNanos(process)).isPositive();
        }
        assertThat(process.isAlive()).isFalse();
        assertThat(Files.readString(log)).doesNotContain("generated passwords");
        assertThat(Files.readString(Path.of(log + ".gc"))).contains("Using G1");
    }

    @Test
    void reactorNettyProxy_startsRelaysEveryRequestRoundRobinAndStops(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("proxy.log");
        ProcessHandle process;
        try (InstantEngine engine = new InstantEngine(2, 8, 1);
                LoadGenerator load = new LoadGenerator(4, 1);
                ServingJvm proxy = ReactorNettyProxy.start(engine.ports(), 4, List.of("-Xmx128m"), log)) {
            process = proxy.process();
            LoadGenerator.Run run = load.openLoop("http://127.0.0.1:" + proxy.port(), 100, Duration.ofSeconds(2));
            assertThat(run.statuses()).containsOnlyKeys(200);
            assertThat(run.ok()).isEqualTo(run.sent()).isGreaterThan(150);
            assertThat(engine.served()).allSatisfy(n -> assertThat(n).isGreaterThan(run.sent() / 2 - 5));
            assertThat(CpuMeter.treeNanos(process)).isPositive();
        }
        assertThat(process.isAlive()).isFalse();
        assertThat(Files.readString(log)).doesNotContain("Exception", "DEBUG");
    }
}
