/**
 * The dispatcher's configuration, {@code sbs.*}, as one validated {@code @ConfigurationProperties} record
 * with nested records per area ({@link io.sbs.config.SbsProperties}); the configuration processor turns it
 * into the metadata IDEs complete from. Its own package so that every part of the product that reads a
 * setting (the ingress, the admin API, security, the engine cluster) can, without depending on the others.
 */
@NullMarked
package io.sbs.config;

import org.jspecify.annotations.NullMarked;
