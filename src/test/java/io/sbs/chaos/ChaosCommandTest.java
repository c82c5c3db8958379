package io.sbs.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The command line of {@code app/chaos}: typed options built into a {@link ChaosOptions}, help on every drill. */
class ChaosCommandTest {

    @Test
    void options_typed_secondsAsDurations_redisAnEnum() {
        ChaosOptions o = ChaosOptions.parse(new String[] {"fence", "--runs", "3", "--seed", "7", "--qps", "12.5",
            "--after", "1.5", "--timeout", "20", "--redis", "CLUSTER", "--policy", "round-robin",
            "--redis-configs", "conf", "--out", "x"});

        assertThat(o.drill()).isEqualTo("fence");
        assertThat(o.runs()).isEqualTo(3);
        assertThat(o.seed()).isEqualTo(7);
        assertThat(o.qps()).isEqualTo(12.5);
        assertThat(o.after()).isEqualTo(Duration.ofMillis(1500));
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(o.redis()).isEqualTo("cluster");
        assertThat(o.policy()).isEqualTo("round-robin");
        assertThat(o.redisConfigs()).isEqualTo(Path.of("conf"));
        assertThat(o.out()).isEqualTo(Path.of("x"));
    }

    @Test
    void springArguments_onlyAfterTheDashes() {
        assertThat(ChaosOptions.parse(new String[] {"failover", "--out", "x", "--", "--sbs.a=1", "--sbs.b=2"})
                .dispatcherArgs()).containsExactly("--sbs.a=1", "--sbs.b=2");
        assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"failover", "--out", "x", "stray"}))
                .hasMessageContaining("after --");
    }

    @Test
    void badOptions_exitTwo() {
        assertThat(ChaosCommand.run(new String[] {})).isEqualTo(2);
        assertThat(ChaosCommand.run(new String[] {"flood", "--out", "x"})).isEqualTo(2);
        assertThat(ChaosCommand.run(new String[] {"failover", "--qps", "many", "--out", "x"})).isEqualTo(2);
        assertThat(ChaosCommand.run(new String[] {"failover", "--qps", "0", "--out", "x"})).isEqualTo(2);
        assertThat(ChaosCommand.run(new String[] {"sentinel", "--redis", "cluster", "--out", "x"})).isEqualTo(2);
    }

    @Test
    void help_onEveryDrill_exitsZero() {
        for (String drill : new String[] {"failover", "fence", "sentinel"}) {
            assertThat(ChaosCommand.run(new String[] {drill, "--help"})).isZero();
        }
        assertThat(ChaosCommand.run(new String[] {"--help"})).isZero();
    }
}
