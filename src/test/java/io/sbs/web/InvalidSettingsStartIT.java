package io.sbs.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sbs.SbsApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The service itself, started as {@code app/sbs --sbs.max-prompt-tokens=0} would start it: the start stops,
 * and Spring Boot's failure analysis names the property, its value and why.
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidSettingsStartIT {

    @Test
    void maxPromptTokensZero_stopsTheStart_withAnAnalysisNamingTheProperty(CapturedOutput output) {
        assertThatThrownBy(() -> SpringApplication.run(SbsApplication.class, "--server.port=0",
                "--sbs.embedded.demo-qps=0", "--spring.main.banner-mode=off", "--sbs.max-prompt-tokens=0"))
                .hasStackTraceContaining("sbs.max-prompt-tokens");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("Property: sbs.maxPromptTokens")
                .contains("Origin: \"sbs.max-prompt-tokens\" from property source \"commandLineArgs\"")
                .contains("Reason: must be greater than 0");
    }
}
