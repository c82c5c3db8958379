package io.sbs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.sbs.cli.Cli;
import io.sbs.formats.TraceFormat;
import io.sbs.sim.Signals;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The command line of {@code app/bench}: typed options, the usage on a bad one, help on every suite. */
class BenchCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine line() {
        CommandLine line = Cli.commandLine(new BenchCommand());
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line;
    }

    /** The suite's command object once {@code args} are parsed. */
    @SuppressWarnings("unchecked")
    private <T> T parsed(String... args) {
        return (T) line().parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void paper_optionsAreTyped_integersAsIntegers_signalsAnEnumInAnyCase() {
        SimulatorSuites.Paper p = parsed("paper", "--seeds", "3,4", "--seconds", "2.5", "--prefill-instances", "4",
                "--signals", "stock", "--out", "x");

        assertThat(p.seeds).containsExactly(3L, 4L);
        assertThat(p.seconds).isEqualTo(2.5);
        assertThat(p.decodeSeconds).isEqualTo(240);
        assertThat(p.prefillInstances).isEqualTo(4);
        assertThat(p.signals).isEqualTo(Signals.STOCK);
        assertThat(p.out.out).isEqualTo(Path.of("x"));
        assertThat(((SimulatorSuites.Paper) parsed("paper", "--signals", "PUSH", "--out", "x")).signals)
                .isEqualTo(Signals.PUSH);
    }

    @Test
    void defaults_areTodays() {
        SimulatorSuites.Paper p = parsed("paper", "--out", "x");
        assertThat(p.seeds).containsExactly(1L, 2L);
        assertThat(p.seconds).isEqualTo(60);
        assertThat(p.prefillInstances).isZero();
        assertThat(p.signals).isEqualTo(Signals.PUSH);

        SimulatorSuites.Replay r = parsed("replay", "--trace", "t.csv", "--format", "azure", "--out", "x");
        assertThat(r.format).isEqualTo(TraceFormat.AZURE);
        assertThat(r.signals).isEqualTo(Signals.STOCK);
        assertThat(r.limit).isZero();
        assertThat(r.timeScale).isNull();
        assertThat(r.traces).isEqualTo(Path.of("../shared/traces"));

        SimulatorSuites.Scale s = parsed("scale", "--out", "x");
        assertThat(s.hours).isEqualTo(1);
        assertThat(s.qps).isEqualTo(100);
        assertThat(s.signals).isEqualTo(Signals.PUSH);

        ProcessSuites.Http h = parsed("http", "--out", "x");
        assertThat(h.rate).isEqualTo(2000);
        assertThat(h.connections).isEqualTo(64);
        assertThat(h.policies).containsExactly("round-robin");
        assertThat(h.dispatcherJvm).isEqualTo("-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxTenuringThreshold=2");
        assertThat(h.paths).containsExactly("direct", "nginx", "netty", "dispatcher");
        assertThat(((ProcessSuites.Http) parsed("http", "--paths", "netty,direct", "--out", "x")).paths)
                .containsExactly("netty", "direct");

        ProcessSuites.Live l = parsed("live", "--out", "x");
        assertThat(l.loads).containsExactly(0.4, 0.7, 0.9);
        assertThat(l.instances).isNull();
        assertThat(l.push).isFalse();
        assertThat(l.capacity).isNull();
    }

    @Test
    void live_dispatcherOptions_takeValuesThatLookLikeOptions() {
        ProcessSuites.Live l = parsed("live", "--out", "x", "--loads", "0.3", "--policies", "sbs,round-robin", "--push",
                "--dispatcher-jvm", "-Xmx256m -XX:TieredStopAtLevel=1", "--dispatcher-args=--sbs.a=1 --sbs.b=2",
                "--capacity", "12.5");

        assertThat(l.loads).containsExactly(0.3);
        assertThat(l.policies).containsExactly("sbs", "round-robin");
        assertThat(l.push).isTrue();
        assertThat(l.dispatcherJvm).isEqualTo("-Xmx256m -XX:TieredStopAtLevel=1");
        assertThat(Cli.words(l.dispatcherArgs, "\\s+")).containsExactly("--sbs.a=1", "--sbs.b=2");
        assertThat(l.capacity).isEqualTo(12.5);
    }

    @Test
    void anUnknownOption_exitsTwo_withTheSuitesUsage() {
        assertThat(line().execute("paper", "--bogus", "1", "--out", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option", "--bogus", "Usage: app/bench paper", "--seeds");
    }

    @Test
    void aWrongType_exitsTwo_namingTheOption() {
        assertThat(line().execute("paper", "--prefill-instances", "1.5", "--out", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--prefill-instances", "'1.5' is not an int", "Usage: app/bench paper");
        assertThat(line().execute("scale", "--signals", "sometimes", "--out", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--signals", "sometimes");
    }

    @Test
    void aValueTheSuiteRefuses_exitsTwo_withItsMessageAndUsage() {
        assertThat(line().execute("preview", "--qps", "0", "--out", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--qps and --minutes must be above 0", "Usage: app/bench preview");
        assertThat(line().execute("replay", "--out", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("missing --trace");
        assertThat(line().execute("live", "--trace", "t.jsonl", "--loads", "0.5", "--out", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--loads does not go with --trace");
    }

    @Test
    void noSuite_orAnUnknownOne_exitsTwo() {
        assertThat(line().execute()).isEqualTo(2);
        assertThat(line().execute("nope")).isEqualTo(2);
        assertThat(err.toString()).contains("Usage: app/bench", "paper", "replay", "live");
    }

    @ParameterizedTest
    @ValueSource(strings = {"paper", "decode", "replay", "scale", "http", "live", "preview"})
    void help_onEverySuite_listsEachOfItsOptions_andExitsZero(String suite) {
        CommandLine line = line();
        assertThat(line.execute(suite, "--help")).isZero();
        for (OptionSpec option : line.getSubcommands().get(suite).getCommandSpec().options()) {
            assertThat(out.toString()).contains(option.longestName());
        }
    }

    @Test
    void help_atTheTop_listsTheSuites() {
        assertThat(line().execute("--help")).isZero();
        assertThat(out.toString()).contains("paper", "decode", "replay", "scale", "http", "live", "preview", "jmh");
        assertThat(line().execute("help", "replay")).isZero();
        assertThat(out.toString()).contains("--scenario");
    }

    /** The invocations docs/, README.md and the tests show (without the launcher), parsed as they are written. */
    @ParameterizedTest
    @ValueSource(strings = {
        "paper --out bench-out/paper",
        "paper --signals stock --out bench-out/paper-stock",
        "paper --prefill-instances 3 --out bench-out/paper-n3",
        "paper --out o --seeds 1 --seconds 4 --decode-seconds 10",
        "decode --out bench-out/decode",
        "replay --scenario mooncake-conversation --out bench-out/cache-conversation",
        "replay --trace ../shared/traces/AzureLLMInferenceTrace_conv.csv --format azure --time-scale 100 --profile paper "
            + "--signals push --out bench-out/replay-azure",
        "replay --trace ../shared/traces/conversation_trace.jsonl --format mooncake --time-scale 15 --profile long "
            + "--out bench-out/replay-mooncake",
        "scale --signals stock --out bench-out/scale",
        "scale --hours 0.002 --out o",
        "http --rate 1000 --out bench-out/http-quiet1",
        "http --policy round-robin,sbs --nginx /usr/sbin/nginx --out o",
        "live --push --out bench-out/live-push",
        "live --trace ../shared/traces/conversation_trace.jsonl --limit 600 --time-scale 1 --policies sbs,sbs-cache "
            + "--out bench-out/live-trace",
        "preview --minutes 0.2 --qps 200 --out o",
        "jmh PrefixBlocksBenchmark -f 1"})
    void documentedInvocations_parse(String invocation) {
        assertThatCode(() -> line().parseArgs(invocation.split(" "))).doesNotThrowAnyException();
    }
}
