package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The DP load page at 1,000 DP units (12 simulated prefill instances of DP64, 4 decode instances of DP58):
 * every unit arrives in each frame, the page draws them on canvases without an element per unit, keeps up
 * with the one-a-second feed and still answers the mouse. How long a frame takes to apply and draw is
 * printed, not asserted: on a shared build machine that is a benchmark figure (docs/dashboard.md quotes
 * it), while keeping up with the feed within a factor of two is a property the page must have.
 */
// its own context (no other class shares its settings) runs simulated engines and a load: closed after the class
// rather than kept busy in the cache while the other integration tests run
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "SBS_VIEWER_PASSWORD=viewer-scale-test",
    "SBS_OPERATOR_PASSWORD=" + DashboardScaleIT.PASSWORD,
    "sbs.embedded.profile=src/test/resources/dashboard-1000.json",
    "sbs.embedded.demo-qps=5"})
class DashboardScaleIT {

    static final String PASSWORD = "operator-scale-test";
    private static final int FRAMES = 10;

    @LocalServerPort
    int port;

    @Test
    void dpLoad_thousandUnits_keepsUpWithTheFeedWithoutAnElementPerUnit() {
        DecodeLoad load = new DecodeLoad(port, 4);
        try (Chromium chromium = new Chromium()) {
            WebDriver driver = chromium.driver();
            driver.get("http://localhost:" + port + "/login");
            driver.findElement(By.id("username")).sendKeys("operator");
            driver.findElement(By.id("password")).sendKeys(PASSWORD);
            chromium.submit(By.id("login-submit"), () -> driver.getCurrentUrl().endsWith("/dashboard"));

            driver.get("http://localhost:" + port + "/dashboard/load");
            WebElement body = driver.findElement(By.tagName("body"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "1000".equals(body.getDomAttribute("data-units")));
            int first = Integer.parseInt(body.getDomAttribute("data-frames"));
            // a page slower than the feed falls further behind every second
            await().atMost(DashboardConfiguration.PERIOD.multipliedBy(FRAMES * 2L))
                    .until(() -> Integer.parseInt(body.getDomAttribute("data-frames")) >= first + FRAMES);

            double lastMs = Double.parseDouble(body.getDomAttribute("data-render-ms"));
            double maxMs = Double.parseDouble(body.getDomAttribute("data-render-max-ms"));
            double meanMs = Double.parseDouble(body.getDomAttribute("data-render-mean-ms"));
            long elements = ((Number) chromium.script("return document.getElementsByTagName('*').length")).longValue();
            long frameChars = ((Number) chromium.script("return JSON.stringify(SBS.lastFrame).length")).longValue();
            System.out.printf("dashboard at 1,000 DP units: frames of %,d characters applied and drawn in %.1f ms on "
                    + "average, %.1f ms at most (%d frames after the first), the last in %.1f ms; %d elements on the "
                    + "page%n", frameChars, meanMs, maxMs, Integer.parseInt(body.getDomAttribute("data-frames")) - 1,
                    lastMs, elements);
            // the page is the same size at 56 units: the DP units are pixels on canvases, not elements
            assertThat(elements).isLessThan(500);

            // the heat map still answers the mouse: a cell's tooltip names its DP unit and C_avail
            WebElement heat = driver.findElement(By.id("heat-prefill"));
            new Actions(driver).moveToElement(heat, 40, 0).perform();
            await().atMost(Duration.ofSeconds(10)).until(() -> heat.getText().contains("C_avail"));
            assertThat(heat.getText()).containsPattern("prefill-\\d+ / DP \\d+");
            chromium.screenshot("dp-load-1000");
        } finally {
            load.close();
        }
    }
}
