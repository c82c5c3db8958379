package io.sbs.enginesim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sbs.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line of {@code app/engine-sim}, as the launchers and the benches' child processes write it. */
class EngineSimCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine line(EngineSimCommand command) {
        CommandLine line = Cli.commandLine(command);
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line;
    }

    private EngineSimCommand parsed(String... args) {
        EngineSimCommand command = new EngineSimCommand();
        line(command).parseArgs(args);
        return command;
    }

    @Test
    void defaults_areTodays() {
        EngineSimCommand c = parsed();
        assertThat(c.role).isEqualTo(EngineSimCommand.Role.PREFILL);
        assertThat(c.port).isEqualTo(30000);
        assertThat(c.profile).isEqualTo("paper");
        assertThat(c.instanceId).isEqualTo("prefill-0");
        assertThat(c.seed).isEqualTo(1);
        assertThat(c.endForwardUrl).isNull();
        assertThat(c.kvCacheTokens).isNull();
        assertThat(c.cacheBlockTokens).isNull();
    }

    @Test
    void theCommandLines_ofTheLiveBenchAndTheDrills_parseTyped() {
        // as io.sbs.bench.live.EngineProcesses and io.sbs.chaos.Harness write them
        EngineSimCommand c = parsed("--role", "prefill", "--profile", "long", "--port", "41234", "--instance-id",
                "prefill-1", "--seed", "2", "--end-forward-url", "http://127.0.0.1:1/a,http://127.0.0.1:2/a",
                "--kv-cache-tokens", "4096", "--cache-block-tokens", "64");
        assertThat(c.port).isEqualTo(41234);
        assertThat(c.seed).isEqualTo(2L);
        assertThat(c.kvCacheTokens).isEqualTo(4096L);
        assertThat(c.cacheBlockTokens).isEqualTo(64);
        assertThat(c.endForwardUrl).isEqualTo("http://127.0.0.1:1/a,http://127.0.0.1:2/a");
        assertThat(parsed("--role", "decode", "--port", "1", "--profile", "f.json", "--instance-id", "decode-0").role)
                .isEqualTo(EngineSimCommand.Role.DECODE);
    }

    @Test
    void badOptions_exitTwo_withTheUsage() {
        assertThat(line(new EngineSimCommand()).execute("--role", "middle")).isEqualTo(2);
        assertThat(err.toString()).contains("--role", "middle", "Usage: app/engine-sim");
        assertThat(line(new EngineSimCommand()).execute("--port", "http")).isEqualTo(2);
        assertThat(line(new EngineSimCommand()).execute("--bogus", "1")).isEqualTo(2);
        assertThat(line(new EngineSimCommand()).execute("--cache-block-tokens", "0", "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--cache-block-tokens must be at least 1");
    }

    @Test
    void help_listsEveryOption() {
        assertThat(line(new EngineSimCommand()).execute("--help")).isZero();
        assertThat(out.toString()).contains("--role", "--port", "--profile", "--instance-id", "--end-forward-url",
                "--seed", "--kv-cache-tokens", "--cache-block-tokens", "SBS_ENGINE_TOKEN");
    }
}
