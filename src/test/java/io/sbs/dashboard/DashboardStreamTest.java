package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.state.Leadership;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class DashboardStreamTest {

    private static LiveFrame frame(long atMs) {
        LiveFrame.PhaseFigures phase = new LiveFrame.PhaseFigures(10, 30, 1, 3, 3, 0);
        LiveFrame.Summary summary = new LiveFrame.Summary(atMs, "sbs", 1, "startup", 0,
                new Leadership.Status("n", true, 1, "n"), false, 0, null, null, null, 0, false, null, phase, null, null);
        LiveFrame.PrefillUnits prefill = new LiveFrame.PrefillUnits(List.of(new LiveFrame.Instance("p0", false)),
                new int[] {0}, new int[] {0}, new long[] {1024}, new long[] {0}, new long[] {0}, new long[] {0},
                new long[] {0});
        return new LiveFrame(summary, new LiveFrame.Units(prefill, null), new LiveFrame.Readiness(List.of(), null));
    }

    @Test
    void stream_opensWithHistoryAndRetry_thenFramesAndKeepAlives() {
        Sinks.Many<LiveFrame> frames = Sinks.many().multicast().directBestEffort();
        StepVerifier.withVirtualTime(() -> DashboardController.stream(() -> List.of(frame(1).summary()),
                        Mono.empty(), frames.asFlux(), false))
                .assertNext(e -> {
                    assertThat(e.event()).isEqualTo("history");
                    assertThat(e.retry()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(e.data()).isEqualTo(List.of(frame(1).summary()));
                })
                .then(() -> frames.tryEmitNext(frame(2)))
                .assertNext(e -> {
                    assertThat(e.event()).isEqualTo("frame");
                    assertThat(e.id()).isEqualTo("2");
                    assertThat(((LiveFrame) e.data()).units()).as("summary only unless asked").isNull();
                })
                .thenAwait(DashboardController.KEEP_ALIVE)
                .assertNext(e -> {
                    assertThat(e.comment()).isEqualTo("keep-alive");
                    assertThat(e.data()).isNull();
                })
                .thenCancel()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void stream_withUnitsAndSharedHistory_sendsThemInOrder() {
        ServerSentEvent<Object> shared = ServerSentEvent.<Object>builder(List.of()).event("intervals").build();
        StepVerifier.create(DashboardController.stream(List::of, Mono.just(shared), Flux.just(frame(3)), true).take(3))
                .assertNext(e -> assertThat(e.event()).isEqualTo("history"))
                .assertNext(e -> assertThat(e.event()).isEqualTo("intervals"))
                .assertNext(e -> assertThat(((LiveFrame) e.data()).units()).isNotNull())
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }
}
