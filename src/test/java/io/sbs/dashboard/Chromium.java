package io.sbs.dashboard;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.springframework.util.FileSystemUtils;

/**
 * Debian's headless Chromium driven through its chromedriver (never downloaded: the binaries are named, so
 * Selenium Manager stays out, which matters on a closed network). A missing browser fails the test with
 * the command that installs it, rather than skipping it.
 */
final class Chromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final int WIDTH = 1440;
    // taller than the tallest page (the DP load page at 1,000 units), so screenshots need no resizing
    private static final int HEIGHT = 2100;

    private final Path profile;
    private final ChromeDriver driver;

    Chromium() {
        if (!Files.isExecutable(BINARY) || !Files.isExecutable(DRIVER)) {
            fail("the dashboard's browser tests need Debian's Chromium and its driver at " + BINARY + " and " + DRIVER
                    + ": apt-get install -y chromium chromium-driver (.ci/run installs them when missing)");
        }
        try {
            profile = Files.createTempDirectory("sbs-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=" + WIDTH + "," + HEIGHT);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        // generous: the build machine is shared, and a page load that waits for a busy CPU is not a failure
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    ChromeDriver driver() {
        return driver;
    }

    /** Clicks {@code button}, which submits a form, and waits at most 30 s for {@code done}. */
    void submit(By button, Callable<Boolean> done) {
        driver.findElement(button).click();
        // the page being left may still be asked: until the new one is there, a question may fail
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(done);
    }

    Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /**
     * The page as {@code target/screenshots/<name>.png}, cut to its content. The window is taller than any
     * page, so the picture needs no resizing and the page under test sees none (its charts would redraw).
     */
    Path screenshot(String name) {
        // the body's own height: the document's is at least the window's
        long height = ((Number) script("return Math.ceil(document.body.getBoundingClientRect().height)")).longValue();
        return save(name, 0, height);
    }

    /** The band of the page around the element {@code selector}, {@code margin} pixels above and below it. */
    Path screenshotAround(String name, String selector, int margin) {
        @SuppressWarnings("unchecked")
        List<Number> box = (List<Number>) script("const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                + "return [r.top, r.bottom];", selector);
        long top = Math.max(0, box.get(0).longValue() - margin);
        return save(name, top, box.get(1).longValue() + margin - top);
    }

    private Path save(String name, long top, long height) {
        try {
            BufferedImage shot = ImageIO.read(new ByteArrayInputStream(driver.getScreenshotAs(OutputType.BYTES)));
            int y = (int) Math.min(top, shot.getHeight() - 1);
            BufferedImage part = shot.getSubimage(0, y, shot.getWidth(), (int) Math.min(shot.getHeight() - y, height));
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            ImageIO.write(part, "png", target.toFile());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            FileSystemUtils.deleteRecursively(profile.toFile());
        }
    }
}
