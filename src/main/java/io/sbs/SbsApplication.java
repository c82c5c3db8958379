package io.sbs;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication(proxyBeanMethods = false)
public class SbsApplication {
    public static void main(String[] args) {
        SpringApplication.run(SbsApplication.class, args);
    }
}
