package io.sbs.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopExecutorTest {

    private final LoopExecutor executor = new LoopExecutor();

    @AfterEach
    void close() {
        executor.close();
    }

    @Test
    void lightTask_onAnIdleLoop_runsOnTheCallersThread_beforeExecuteReturns() {
        List<String> threads = new ArrayList<>();

        executor.executeLight(() -> threads.add(Thread.currentThread().getName()));

        assertThat(threads).containsExactly(Thread.currentThread().getName());
    }

    @Test
    void otherTasks_runOnTheLoopsThread() throws Exception {
        CountDownLatch ran = new CountDownLatch(2);
        List<String> threads = new CopyOnWriteArrayList<>();
        executor.execute(() -> {
            threads.add(Thread.currentThread().getName());
            ran.countDown();
        });
        executor.schedule(() -> {
            threads.add(Thread.currentThread().getName());
            ran.countDown();
        }, TimeUnit.MILLISECONDS.toNanos(5));

        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(threads).allMatch(t -> t.startsWith("sbs-dispatch-"));
    }

    @Test
    void aTaskOfferedByARunningTask_runsAfterIt_notInsideIt() {
        List<String> order = new ArrayList<>();

        executor.executeLight(() -> {
            executor.executeLight(() -> order.add("inner"));
            order.add("outer");
        });

        assertThat(order).containsExactly("outer", "inner");
    }

    @Test
    void anEventLoop_handsAHeavyTaskToTheLoopsThread_andStopsAfterItsBudget() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(21);
        // the caller drains: a light task that waits keeps the loop busy while the others queue behind it
        Thread caller = new Thread(() -> executor.executeLight(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), "caller");
        caller.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> caller.getState() == Thread.State.WAITING);
        for (int i = 0; i < 20; i++) {
            executor.executeLight(() -> {
                threads.add(Thread.currentThread().getName());
                done.countDown();
            });
        }
        executor.execute(() -> {
            threads.add("heavy@" + Thread.currentThread().getName());
            done.countDown();
        });
        release.countDown();

        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        // 15 more after the first (16 in a row), the rest on the loop's thread, the heavy task among them
        assertThat(threads.subList(0, 15)).allMatch("caller"::equals);
        assertThat(threads.subList(15, 21)).allMatch(t -> t.contains("sbs-dispatch-"));
        assertThat(threads.get(20)).startsWith("heavy@sbs-dispatch-");
    }

    @Test
    void tasksFromManyThreads_runOneAtATime_eachExactlyOnce() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        int[] counter = new int[1]; // unsynchronized on purpose: the executor alone must order the increments
        ExecutorService callers = Executors.newFixedThreadPool(4);
        int perCaller = 20_000;
        for (int c = 0; c < 4; c++) {
            boolean light = c % 2 == 0;
            callers.submit(() -> {
                for (int i = 0; i < perCaller; i++) {
                    Runnable task = () -> {
                        if (inside.incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        counter[0]++;
                        ran.incrementAndGet();
                        inside.decrementAndGet();
                    };
                    if (light) {
                        executor.executeLight(task);
                    } else {
                        executor.execute(task);
                    }
                }
            });
        }
        callers.shutdown();
        assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> ran.get() == 4 * perCaller);
        CountDownLatch last = new CountDownLatch(1);
        executor.execute(last::countDown);
        assertThat(last.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(overlaps.get()).isZero();
        assertThat(counter[0]).isEqualTo(4 * perCaller);
    }

    @Test
    void aFailingTask_isLogged_andTheNextStillRuns() {
        List<String> order = new ArrayList<>();

        executor.executeLight(() -> {
            throw new IllegalStateException("planted");
        });
        executor.executeLight(() -> order.add("next"));

        assertThat(order).containsExactly("next");
    }

    @Test
    void closed_refusesNewTasks() {
        executor.close();

        assertThatThrownBy(() -> executor.executeLight(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThat(executor.isClosed()).isTrue();
    }
}
