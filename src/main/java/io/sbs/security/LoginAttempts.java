package io.sbs.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Failed logins, counted per user name and per client address: past {@code perUser} failures for a name,
 * or {@code perAddress} from an address, within a window, further logins for it are refused without
 * checking the password, until the window ends. Guessing a password so costs a window per few dozen
 * guesses, and the password encoder's CPU is not the attacker's to spend.
 *
 * <p>Implementation notes. Model: one resilience4j {@link RateLimiter} per key, {@code limitForPeriod}
 * failures per {@code window}; a failure takes a permit, a login is refused while none is left. The windows
 * are fixed, counted from a key's first failure (resilience4j's cycles), so across a window's end up to twice
 * the limit can fail within one window's length; the window being long against a bcrypt check, that still
 * bounds guessing. Memory: the limiters live in a Caffeine cache of at most {@link #MAX_KEYS} keys that
 * forgets a key two windows after its last use, so made-up names and addresses cannot grow it without bound
 * (evicting a key under such a flood resets its count, which only an attacker with that many addresses
 * could exploit). User names are compared as the user store does, without case. Thread-safe.
 */
final class LoginAttempts {

    static final int MAX_KEYS = 100_000;
    // a user name longer than any real one is cut, so keys stay small
    private static final int MAX_NAME = 256;

    private final RateLimiterConfig perUser;
    private final RateLimiterConfig perAddress;
    private final Duration window;
    private final Cache<String, RateLimiter> limiters;

    LoginAttempts(int perUser, int perAddress, Duration window) {
        this.perUser = config(perUser, window);
        this.perAddress = config(perAddress, window);
        this.window = window;
        this.limiters = Caffeine.newBuilder().maximumSize(MAX_KEYS).expireAfterAccess(window.multipliedBy(2)).build();
    }

    private static RateLimiterConfig config(int failures, Duration window) {
        return RateLimiterConfig.custom().limitForPeriod(failures).limitRefreshPeriod(window)
                .timeoutDuration(Duration.ZERO).build();
    }

    /**
     * How long a login for {@code user} from {@code address} stays refused; {@link Duration#ZERO} when it
     * may be checked now.
     */
    Duration blockedFor(String user, @Nullable String address) {
        return max(blockedFor(limiters.getIfPresent(userKey(user))),
                address == null ? Duration.ZERO : blockedFor(limiters.getIfPresent(addressKey(address))));
    }

    /** A login for {@code user} from {@code address} failed its password check. */
    void failed(String user, @Nullable String address) {
        limiters.get(userKey(user), k -> RateLimiter.of(k, perUser)).acquirePermission();
        if (address != null) {
            limiters.get(addressKey(address), k -> RateLimiter.of(k, perAddress)).acquirePermission();
        }
    }

    private Duration blockedFor(@Nullable RateLimiter limiter) {
        if (limiter == null || limiter.getMetrics().getAvailablePermissions() > 0) {
            return Duration.ZERO;
        }
        // the rest of the key's window; the whole window where the limiter does not say
        long nanos = limiter instanceof AtomicRateLimiter a ? a.getDetailedMetrics().getNanosToWait()
                : window.toNanos();
        return Duration.ofNanos(Math.max(1, nanos));
    }

    private static String userKey(String user) {
        String name = user.length() > MAX_NAME ? user.substring(0, MAX_NAME) : user;
        return "user:" + name.toLowerCase(Locale.ROOT);
    }

    private static String addressKey(String address) {
        return "address:" + address;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
