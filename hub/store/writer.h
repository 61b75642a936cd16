/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group commit. A durable commit costs one fsync (0.1-2 ms here), and
 * SQLite has one writer, so committing every API write on its own caps the
 * hub at one write per fsync. hpcnet_store_write() queues a write; the
 * first caller in the queue becomes the leader, runs every queued write in
 * one transaction (each inside its own SAVEPOINT, so one failing write
 * undoes only itself), commits once, and hands each caller its own result
 * (LevelDB's writer queue is the model).
 *
 * Two stages overlap: a batch's COMMIT writes the log without waiting for
 * the disk, the next leader starts at once, and the log is flushed
 * (fdatasync) outside the write lock, one flush at a time, each covering
 * every batch committed before it began. While a flush is under way the
 * leader keeps its transaction open and takes in writes that arrive (they
 * could not be durable sooner), so batches grow with the disk's latency.
 * Nothing is acknowledged before a flush that began after its commit has
 * returned. Other connections may read a batch in the short time between
 * its commit and its flush; whatever they derive and make visible outside
 * (an order to an agent, a later write) goes through a later commit, whose
 * flush covers the earlier one. A failed flush stops the hub (see
 * writer.c).
 */
#ifndef HPCNET_STORE_WRITER_H
#define HPCNET_STORE_WRITER_H

struct hpcnet_store;
struct hpcnet_db;
struct hpcnet_writer;

/* A write: runs on the leader's connection inside the batch transaction;
 * must not begin/commit or use any other connection. Returns >= 0 to keep
 * its changes, < 0 to have them rolled back. */
typedef int (*hpcnet_write_fn)(struct hpcnet_db *db, void *arg);

struct hpcnet_writer *hpcnet_writer_new(struct hpcnet_store *s);
void hpcnet_writer_free(struct hpcnet_writer *w);

/* Runs fn(db, arg) in the next group commit and returns its result once
 * that commit is durable; HPCNET_ESTORE (fn's changes lost, never
 * acknowledged) when the batch could not be committed. */
int hpcnet_store_write(struct hpcnet_store *s, hpcnet_write_fn fn, void *arg);
/* The same on a given queue (the driver's hpcnet_store_write calls this). */
int hpcnet_store_write_via(struct hpcnet_writer *w, hpcnet_write_fn fn, void *arg);

#endif
