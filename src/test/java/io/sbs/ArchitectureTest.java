package io.sbs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md: the scheduling core and the simulator depend on the JDK only and
 * take time and randomness from their callers, so the live service and the simulator run the same code.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sbs");

    private static final JavaClasses FIXTURES = new ClassFileImporter().importPackages("io.sbs.archfixture");

    static ArchRule dependsOnlyOn(String layer, String... allowed) {
        return classes().that().resideInAPackage(layer).should().onlyDependOnClassesThat()
                .resideInAnyPackage(allowed).allowEmptyShould(true);
    }

    static ArchRule readsNoClock(String... layers) {
        return noClasses().that().resideInAnyPackage(layers).should()
                .callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(Instant.class, "now")
                .orShould().callMethod(LocalDateTime.class, "now")
                .orShould().callMethod(Clock.class, "systemUTC")
                .orShould().callMethod(Clock.class, "systemDefaultZone")
                .orShould().callMethod(Thread.class, "sleep", long.class)
                .orShould().callConstructor(Random.class)
                .because("time and randomness are injected, so simulations are deterministic")
                .allowEmptyShould(true);
    }

    static ArchRule staysOutOfFrameworks(String... layers) {
        return noClasses().that().resideInAnyPackage(layers).should().dependOnClassesThat()
                .resideInAnyPackage("org.springframework..", "reactor..", "io.lettuce..", "io.netty..",
                        "io.sbs.bench..", "tools.jackson..", "com.fasterxml..")
                .allowEmptyShould(true);
    }

    @Test
    void core_dependsOnJdkOnly() {
        dependsOnlyOn("io.sbs.core..", "java..", "io.sbs.core..", "org.jspecify..").check(MAIN);
    }

    @Test
    void sim_dependsOnCoreAndJdkOnly() {
        dependsOnlyOn("io.sbs.sim..", "java..", "io.sbs.core..", "io.sbs.sim..", "org.jspecify..").check(MAIN);
    }

    @Test
    void coreAndSim_neverReadTheClock() {
        readsNoClock("io.sbs.core..", "io.sbs.sim..").check(MAIN);
    }

    @Test
    void coreAndSim_stayOutOfFrameworksAndTheBenchRunner() {
        staysOutOfFrameworks("io.sbs.core..", "io.sbs.sim..").check(MAIN);
    }

    @Test
    void rules_violatingFixtures_fail() {
        assertThatThrownBy(() -> readsNoClock("io.sbs.archfixture..").check(FIXTURES))
                .isInstanceOf(AssertionError.class).hasMessageContaining("nanoTime");
        assertThatThrownBy(() -> staysOutOfFrameworks("io.sbs.archfixture..").check(FIXTURES))
                .isInstanceOf(AssertionError.class).hasMessageContaining("springframework");
        assertThatThrownBy(() -> dependsOnlyOn("io.sbs.archfixture..", "java..", "io.sbs.archfixture..")
                .check(FIXTURES)).isInstanceOf(AssertionError.class);
    }
}
