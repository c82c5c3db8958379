package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sbs.admin.InstanceService;
import io.sbs.config.SbsProperties;
import io.sbs.control.PolicyService;
import io.sbs.state.PolicyRecord;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The dashboard in a real browser (headless Chromium) against the embedded default with its demo load:
 * log in, watch figures change without reloading, change the policy as an operator and find the change in
 * the audit trail, be refused as a viewer, without a CSRF token and with a stale version; see which signals
 * drive readiness, and the overview's warning once the only prefill engine left is wedged. Every page is
 * saved to {@code target/screenshots/} (docs/img/ holds copies for the README).
 */
// its own context (no other class shares its settings) runs simulated engines and a load: closed after the class
// rather than kept busy in the cache while the other integration tests run
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "SBS_VIEWER_PASSWORD=" + DashboardBrowserIT.VIEWER_PASSWORD,
    "SBS_OPERATOR_PASSWORD=" + DashboardBrowserIT.OPERATOR_PASSWORD,
    "sbs.embedded.demo-qps=5"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {

    static final String VIEWER_PASSWORD = "viewer-browser-test";
    static final String OPERATOR_PASSWORD = "operator-browser-test";
    private static final Duration LIVE = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    PolicyService policies;
    @Autowired
    InstanceService instances;

    private Chromium chromium;
    private WebDriver driver;
    private DecodeLoad decodeLoad;
    private SilentEngine silent;

    @BeforeAll
    void openBrowser() {
        decodeLoad = new DecodeLoad(port, 6);
        chromium = new Chromium();
        driver = chromium.driver();
    }

    @AfterAll
    void closeBrowser() {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            decodeLoad.close();
            if (silent != null) {
                silent.close();
            }
        }
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private void logIn(String user, String password) {
        driver.get(url("/login"));
        assertThat(driver.findElement(By.name("_csrf")).getDomAttribute("value")).isNotBlank();
        driver.findElement(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(password);
        chromium.submit(By.id("login-submit"), () -> driver.getCurrentUrl().endsWith("/dashboard"));
    }

    private void logOut() {
        chromium.submit(By.cssSelector(".session form button"), () -> driver.getCurrentUrl().contains("/login"));
    }

    private String live(String key) {
        return driver.findElement(By.cssSelector("[data-live='" + key + "']")).getText();
    }

    private void awaitLive(String key) {
        await().atMost(LIVE).until(() -> !live(key).isBlank() && !live(key).equals("—"));
    }

    /**
     * The decisions the readiness table shows in the cells matching {@code css}, summed in the page in one
     * step: the table is redrawn each second, so cells found first may be gone when read.
     */
    private long count(String css) {
        return ((Number) chromium.script("return Array.from(document.querySelectorAll(\"" + css
                + "\")).reduce((sum, td) => sum + Number(td.getAttribute('data-count')), 0)")).longValue();
    }

    private long status() {
        return ((Number) chromium.script("return performance.getEntriesByType('navigation')[0].responseStatus")).longValue();
    }

    private PolicyRecord stored() {
        return policies.current().block(Duration.ofSeconds(5));
    }

    private void type(String field, String value) {
        WebElement input = driver.findElement(By.id(field));
        input.clear();
        input.sendKeys(value);
    }

    @Test
    @Order(1)
    void logIn_wrongPassword_staysOnLoginWithMessage() {
        driver.get(url("/dashboard"));
        assertThat(driver.getCurrentUrl()).endsWith("/login");
        chromium.screenshotAround("login", ".login-card", 160);
        driver.findElement(By.id("username")).sendKeys("operator");
        driver.findElement(By.id("password")).sendKeys("not-the-password");
        chromium.submit(By.id("login-submit"), () -> !driver.findElements(By.id("login-error")).isEmpty());
        assertThat(driver.getCurrentUrl()).contains("/login?error");
    }

    @Test
    @Order(2)
    void overview_asOperator_figuresChangeWithoutReload() {
        logIn("operator", OPERATOR_PASSWORD);
        awaitLive("requests");
        String first = live("requests");
        Object page = chromium.script("return window.performance.timeOrigin");
        // the demo load keeps requests flowing: the counter moves while the page stays loaded
        await().atMost(LIVE).until(() -> !live("requests").equals(first));
        assertThat(chromium.script("return window.performance.timeOrigin")).isEqualTo(page);
        awaitLive("ttftP50");
        assertThat(live("ttftP50")).matches("[0-9.,]+ m?s");
        assertThat(live("policy")).isEqualTo("sbs");
        assertThat(live("leaderDetail")).contains("epoch 1", "this node leads");
        assertThat(driver.findElement(By.id("live-status")).getText()).isEqualTo("live");
        // the stock signals the embedded engines give (first tokens, polls) drive readiness: no warning
        await().atMost(LIVE).until(() -> driver.findElement(By.tagName("body")).getDomAttribute("data-readiness") != null);
        assertThat(driver.findElement(By.tagName("body")).getDomAttribute("data-readiness")).isEqualTo("signals");
        assertThat(driver.findElement(By.id("watchdog-only")).isDisplayed()).isFalse();
        chromium.screenshot("overview");
    }

    @Test
    @Order(3)
    void livePages_asOperator_drawEveryDpUnitAndTheBands() {
        driver.get(url("/dashboard/load"));
        await().atMost(LIVE).until(() -> "56".equals(driver.findElement(By.tagName("body")).getDomAttribute("data-units")));
        assertThat(driver.findElements(By.cssSelector("#instances tbody tr"))).hasSize(4);
        // the prefix hit ratio per prefill instance, read in one step as the table is redrawn each second: the
        // embedded engines cache nothing, so a ratio of 0 once requests were hashed, a dash before
        List<?> hitRatios = (List<?>) chromium.script("return Array.from(document.querySelectorAll('#instances tbody tr'))"
                + ".filter(row => row.cells[1].textContent === 'prefill').map(row => row.cells[8].textContent)");
        assertThat(hitRatios.stream().map(String::valueOf)).hasSize(3).allMatch(t -> t.matches("0\\.0 %|–"));
        // one canvas per chart, not an element per DP unit
        assertThat(driver.findElements(By.cssSelector("#heat-prefill canvas"))).hasSize(1);
        chromium.screenshot("dp-load");

        driver.get(url("/dashboard/iqr"));
        awaitLive("theta");
        // half a minute of the band over time, so the picture shows how it moves
        await().atMost(Duration.ofSeconds(45)).ignoreExceptions().until(() -> Integer.parseInt(
                String.valueOf(driver.findElement(By.tagName("body")).getDomAttribute("data-points"))) >= 30);
        assertThat(live("maskedDetail")).isEqualTo("of 32 decode DP units");
        chromium.screenshot("iqr-bands");

        driver.get(url("/dashboard/interval"));
        awaitLive("prefillInterval");
        assertThat(live("prefillHealthy")).isEqualTo("3");
        assertThat(live("mode")).isEqualTo("adaptive");
        await().atMost(LIVE).until(() -> "3".equals(driver.findElement(By.tagName("body")).getDomAttribute("data-readiness-rows")));
        List<?> rows = (List<?>) chromium.script("return Array.from(document.querySelectorAll('#readiness tbody tr'))"
                + ".map(row => row.getAttribute('data-instance'))");
        assertThat(rows.stream().map(String::valueOf)).containsExactly("prefill-0", "prefill-1", "prefill-2");
        // engines that push nothing: their first tokens and polls establish pass boundaries
        await().atMost(LIVE).until(() -> count("#readiness td[data-source='completion']")
                + count("#readiness td[data-source='poll']") > 0);
        assertThat(count("#readiness td[data-source='push']")).isZero();
        assertThat(driver.findElements(By.cssSelector("#chart-readiness canvas"))).hasSize(1);
        chromium.screenshot("interval-tuning");
    }

    @Test
    @Order(4)
    void policyForm_invalidValues_showErrorsNextToTheFields() {
        long before = stored().version();
        driver.get(url("/dashboard/policies"));
        type("iqrKappa", "-1");
        type("windowSamples", "many");
        chromium.submit(By.id("save-policy"), () -> !driver.findElements(By.id("message")).isEmpty());
        assertThat(status()).isEqualTo(400);
        assertThat(driver.findElement(By.cssSelector("[data-field='iqrKappa'] .error")).getText())
                .contains("must be between 0.0 and 100.0");
        assertThat(driver.findElement(By.cssSelector("[data-field='windowSamples'] .error")).getText())
                .isEqualTo("must be a whole number");
        // the form comes back as it was typed
        assertThat(driver.findElement(By.id("windowSamples")).getDomProperty("value")).isEqualTo("many");
        chromium.screenshot("policies-invalid");
        assertThat(stored().version()).isEqualTo(before);
    }

    @Test
    @Order(5)
    void policyForm_asOperator_previewsThenSavesANewVersionFoundInTheAuditTrail() {
        long before = stored().version();
        driver.get(url("/dashboard/policies"));
        type("iqrKappa", "2.5");
        type("watchdogFactor", "4");
        // the preview replays the traffic this node recorded under both policies, and saves nothing
        chromium.submit(By.id("preview-policy"), () -> !driver.findElements(By.id("preview")).isEmpty());
        assertThat(driver.findElement(By.id("message")).getText()).isEqualTo("Preview only: nothing was saved.");
        assertThat(driver.findElements(By.cssSelector("#preview tbody td:first-child")).stream().map(WebElement::getText))
                .contains("TTFT mean", "TTFT p99", "Chunk utilization", "Saturated");
        assertThat(driver.findElement(By.cssSelector("#preview p")).getText()).startsWith(
                "Simulated on the traffic recorded on this node:");
        assertThat(driver.findElement(By.id("iqrKappa")).getDomProperty("value")).isEqualTo("2.5");
        assertThat(stored().version()).isEqualTo(before);
        chromium.screenshot("policies-preview");

        chromium.submit(By.id("save-policy"), () -> driver.getCurrentUrl().contains("saved="));
        assertThat(driver.findElement(By.id("message")).getText()).isEqualTo("Saved as version " + (before + 1) + ".");
        assertThat(stored().version()).isEqualTo(before + 1);
        assertThat(stored().actor()).isEqualTo("operator");
        assertThat(stored().policy().iqrKappa()).isEqualTo(2.5);

        WebElement newest = driver.findElement(By.cssSelector("#audit tbody tr"));
        assertThat(newest.getDomAttribute("data-version")).isEqualTo(Long.toString(before + 1));
        assertThat(newest.findElement(By.className("actor")).getText()).isEqualTo("operator");
        List<String> changes = newest.findElements(By.cssSelector(".changes li")).stream().map(WebElement::getText).toList();
        assertThat(changes).containsExactlyInAnyOrder("IQR κ: 1.5 → 2.5", "Watchdog k_w: 3 × T̄_fwd → 4 × T̄_fwd");
        chromium.screenshot("policies");
    }

    @Test
    @Order(6)
    void interval_pinThenRelease_asOperator_areVersionedChanges() {
        driver.get(url("/dashboard/interval"));
        type("pinnedMs", "20");
        chromium.submit(By.id("pin"), () -> driver.getCurrentUrl().contains("saved="));
        assertThat(driver.findElement(By.id("pin-state")).getText()).contains("pinned at 20 ms");
        assertThat(stored().policy().pinnedInterval()).isEqualTo(Duration.ofMillis(20));
        // the loop runs it: Δ shows the pinned value once the next frame arrives
        await().atMost(LIVE).until(() -> live("mode").equals("pinned by an operator") && live("prefillInterval").equals("20 ms"));
        chromium.screenshot("interval-pinned");

        chromium.submit(By.id("release"), () -> driver.findElement(By.id("pin-state")).getText().contains("adaptive"));
        assertThat(stored().policy().pinnedInterval()).isZero();
        assertThat(stored().actor()).isEqualTo("operator");
    }

    @Test
    @Order(7)
    void policyForm_staleVersion_isRefusedAndSaysWhoChangedIt() {
        driver.get(url("/dashboard/policies"));
        PolicyRecord seen = stored();
        policies.replace(seen.policy().toBuilder().overloadCycles(9).build(), seen.version(), "someone-else")
                .block(Duration.ofSeconds(5));
        type("iqrKappa", "3");
        chromium.submit(By.id("save-policy"), () -> !driver.findElements(By.id("message")).isEmpty());
        assertThat(status()).isEqualTo(409);
        assertThat(driver.findElement(By.id("message")).getText())
                .contains("changed since this page was loaded", "version " + (seen.version() + 1) + " by someone-else");
        assertThat(stored().policy().iqrKappa()).isEqualTo(seen.policy().iqrKappa());
        assertThat(driver.findElement(By.id("iqrKappa")).getDomProperty("value")).isEqualTo("3");
    }

    @Test
    @Order(8)
    void policyForm_withoutCsrfToken_isRefused() {
        long before = stored().version();
        driver.get(url("/dashboard/policies"));
        type("iqrKappa", "4");
        chromium.script("document.querySelector('#policy-form input[name=_csrf]').remove();"
                + "document.getElementById('policy-form').submit();");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> status() == 403);
        assertThat(stored().version()).isEqualTo(before);
    }

    @Test
    @Order(9)
    void policyForm_asViewer_isDisabledAndRefused() {
        driver.get(url("/dashboard"));
        logOut();
        logIn("viewer", VIEWER_PASSWORD);
        long before = stored().version();
        driver.get(url("/dashboard/policies"));
        assertThat(driver.findElement(By.id("save-policy")).isEnabled()).isFalse();
        assertThat(driver.findElement(By.tagName("main")).getText()).contains("needs the OPERATOR role");
        chromium.screenshot("policies-viewer");
        // the server refuses it too, even when the disabled button is gone round
        type("iqrKappa", "5");
        chromium.script("document.getElementById('policy-form').submit();");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> status() == 403);
        assertThat(stored().version()).isEqualTo(before);
        driver.get(url("/dashboard/interval"));
        assertThat(driver.findElement(By.id("pin")).isEnabled()).isFalse();
    }

    /**
     * The prefill engines are replaced by one that is up but wedged (it takes requests and never answers,
     * its polls fail): SBS has only the watchdog left, and the overview says so. The warning belongs to
     * SBS: under an immediate policy it goes away. Last, as the cluster stays broken.
     */
    @Test
    @Order(10)
    void overview_prefillReadinessFromTheWatchdogAlone_warns_untilAnImmediatePolicyRuns() {
        silent = new SilentEngine();
        // a chunk above any demo prompt: each pass would end a request, so only a first token could end it
        instances.register(new SbsProperties.Instance("wedged-0", silent.url(), "sglang", "prefill", 1, 16_384, 0,
                silent.port()), "browser-test").block(Duration.ofSeconds(5));
        for (String id : List.of("prefill-0", "prefill-1", "prefill-2")) {
            instances.remove(id, "browser-test").block(Duration.ofSeconds(5));
        }
        driver.get(url("/dashboard"));
        WebElement warning = driver.findElement(By.id("watchdog-only"));
        await().atMost(LIVE).until(warning::isDisplayed);
        // the window starts when the wedged instance was first seen; a few seconds of it make a fairer picture
        await().atMost(LIVE).until(() -> warning.getText().matches("(?s).*Over the last ([5-9]|10) s.*"));
        assertThat(silent.received()).isPositive();
        assertThat(driver.findElement(By.tagName("body")).getDomAttribute("data-readiness")).isEqualTo("watchdog-only");
        assertThat(warning.getText()).contains("SBS is running on the watchdog alone", "the watchdog fired",
                "on 1 instance");
        chromium.screenshot("overview-watchdog-only");

        driver.get(url("/dashboard/interval"));
        // read in the page in one step: the table is redrawn each second
        await().atMost(LIVE).until(() -> Boolean.TRUE.equals(chromium.script("return Array.from(document"
                + ".querySelectorAll(\"#readiness tr[data-instance='wedged-0']\"))"
                + ".some(row => row.innerText.includes('watchdog only'))")));
        assertThat(driver.findElements(By.cssSelector("#readiness tbody tr"))).hasSize(1);

        PolicyRecord seen = stored();
        policies.replace(seen.policy().toBuilder().name("round-robin").build(), seen.version(), "browser-test")
                .block(Duration.ofSeconds(5));
        driver.get(url("/dashboard"));
        await().atMost(LIVE).until(() -> "signals".equals(
                driver.findElement(By.tagName("body")).getDomAttribute("data-readiness")));
        assertThat(driver.findElement(By.id("watchdog-only")).isDisplayed()).isFalse();
    }
}
