/* A key-value server on a preopened listening socket (fd 3, as wasmotion's
 * --tcplisten and --listen and wasmtime's --tcplisten give it), serving many
 * persistent connections at once from one poll() loop with non-blocking
 * sockets. A plain WASI program: accept, recv, send, poll, fcntl, close.
 *
 * Protocol: one request per line (LF, an optional CR before it is dropped),
 * one answer line per request, in order:
 *
 *   SET key value   -> OK                (the value is the rest of the line)
 *   GET key         -> VALUE value | NOT_FOUND
 *   DEL key         -> DELETED | NOT_FOUND
 *   COUNT           -> COUNT n           (keys stored)
 *   QUIT            -> BYE, then the server closes the connection
 *   SHUTDOWN        -> BYE; every connection gets its pending answers and is
 *                      closed, then the server exits with 0
 *   LOG offset      -> LOG size hex      (with --log: up to 16 KiB of the log
 *                      from offset, hex-encoded; size is the log's whole size)
 *   anything else   -> ERROR message
 *
 *   kvserver [--log FILE] [LISTEN_FD (default 3)]
 *
 * With --log, every SET and every DEL that deletes is appended to FILE as
 * its request line before it is applied and answered (a write-ahead log),
 * so what a client was told is in the file; a write that fails is answered
 * with ERROR and changes nothing. With a disk (`--disk`, preopened as /data
 * at fd 3) the listener is fd 4: `kvserver --log /data/kv.log 4`.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CONNS 1000
#define MAX_LINE (64 * 1024)
/* A client that does not read its answers stops being read once this much waits for it. */
#define OUT_HIGH (1024 * 1024)
/* The most of the log one LOG request returns. */
#define LOG_CHUNK (16 * 1024)

/* ---- the store: a chained hash table that doubles as it fills ---- */

struct entry {
  struct entry *next;
  uint32_t hash;
  size_t key_len, value_len;
  char *key, *value;
};

static struct entry **buckets;
static size_t bucket_count, entry_count;

static uint32_t fnv1a(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

static struct entry **find(const char *key, size_t len, uint32_t hash) {
  struct entry **at = &buckets[hash & (bucket_count - 1)];
  while (*at && !((*at)->hash == hash && (*at)->key_len == len && memcmp((*at)->key, key, len) == 0)) at = &(*at)->next;
  return at;
}

static int grow(void) {
  size_t count = bucket_count ? bucket_count * 2 : 64;
  struct entry **fresh = calloc(count, sizeof *fresh);
  if (!fresh) return -1;
  for (size_t i = 0; i < bucket_count; i++) {
    for (struct entry *e = buckets[i], *next; e; e = next) {
      next = e->next;
      e->next = fresh[e->hash & (count - 1)];
      fresh[e->hash & (count - 1)] = e;
    }
  }
  free(buckets);
  buckets = fresh;
  bucket_count = count;
  return 0;
}

static char *copy(const char *s, size_t n) {
  char *c = malloc(n ? n : 1);
  if (c) memcpy(c, s, n);
  return c;
}

static int store_set(const char *key, size_t key_len, const char *value, size_t value_len) {
  if (entry_count >= bucket_count * 3 / 4 && grow() != 0) return -1;
  uint32_t hash = fnv1a(key, key_len);
  struct entry **at = find(key, key_len, hash);
  char *v = copy(value, value_len);
  if (!v) return -1;
  if (*at) {
    free((*at)->value);
    (*at)->value = v;
    (*at)->value_len = value_len;
    return 0;
  }
  struct entry *e = malloc(sizeof *e);
  char *k = copy(key, key_len);
  if (!e || !k) {
    free(e);
    free(k);
    free(v);
    return -1;
  }
  *e = (struct entry){NULL, hash, key_len, value_len, k, v};
  *at = e;
  entry_count++;
  return 0;
}

static struct entry *store_get(const char *key, size_t len) {
  return bucket_count ? *find(key, len, fnv1a(key, len)) : NULL;
}

static int store_del(const char *key, size_t len) {
  if (!bucket_count) return 0;
  struct entry **at = find(key, len, fnv1a(key, len));
  struct entry *e = *at;
  if (!e) return 0;
  *at = e->next;
  free(e->key);
  free(e->value);
  free(e);
  entry_count--;
  return 1;
}

/* ---- the write-ahead log (--log) ---- */

static int log_fd = -1;

/* Appends the request line and a newline to the log; -1 (errno set) if it could not be written whole. */
static int log_append(const char *line, size_t n) {
  if (log_fd < 0) return 0;
  char *record = malloc(n + 1);
  if (!record) return -1;
  memcpy(record, line, n);
  record[n] = '\n';
  size_t done = 0;
  while (done < n + 1) {
    ssize_t w = write(log_fd, record + done, n + 1 - done);
    if (w <= 0) {
      if (w == 0) errno = EIO;
      free(record);
      return -1;
    }
    done += (size_t)w;
  }
  free(record);
  return 0;
}

/* ---- connections ---- */

struct buffer {
  char *data;
  size_t len, cap;
};

struct conn {
  int fd;
  struct buffer in, out;
  int closing; /* close once the answers are out */
};

static struct conn conns[MAX_CONNS];
static size_t conn_count;
static int shutting_down;

static int append(struct buffer *b, const char *s, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) return -1;
    b->data = data;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  return 0;
}

static void consume(struct buffer *b, size_t n) {
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}

static void reply(struct conn *c, const char *a, size_t an, const char *b, size_t bn) {
  if (append(&c->out, a, an) != 0 || append(&c->out, b, bn) != 0 || append(&c->out, "\n", 1) != 0) c->closing = 1;
}

static void say(struct conn *c, const char *text) {
  reply(c, text, strlen(text), "", 0);
}

/* The word at the start of s (up to n bytes) and its length. */
static size_t word(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && s[i] != ' ') i++;
  return i;
}

static void say_log_error(struct conn *c) {
  char text[96];
  int len = snprintf(text, sizeof text, "ERROR log: %s", strerror(errno));
  reply(c, text, (size_t)len, "", 0);
}

/* LOG offset: a piece of the log, hex-encoded, after the log's size. */
static void serve_log(struct conn *c, const char *arg, size_t n) {
  char digits[24];
  if (log_fd < 0 || n == 0 || n >= sizeof digits) {
    say(c, log_fd < 0 ? "ERROR no log (kvserver --log FILE)" : "ERROR LOG needs an offset");
    return;
  }
  memcpy(digits, arg, n);
  digits[n] = 0;
  char *end;
  unsigned long long offset = strtoull(digits, &end, 10);
  struct stat st;
  if (*end != 0 || fstat(log_fd, &st) != 0) {
    say(c, "ERROR LOG needs an offset");
    return;
  }
  static unsigned char chunk[LOG_CHUNK];
  static char text[32 + 2 * LOG_CHUNK];
  ssize_t got = 0;
  if (offset < (unsigned long long)st.st_size) {
    got = pread(log_fd, chunk, sizeof chunk, (off_t)offset);
    if (got < 0) {
      say_log_error(c);
      return;
    }
  }
  int len = snprintf(text, 32, "LOG %lld ", (long long)st.st_size);
  static const char hex[] = "0123456789abcdef";
  for (ssize_t i = 0; i < got; i++) {
    text[len++] = hex[chunk[i] >> 4];
    text[len++] = hex[chunk[i] & 15];
  }
  reply(c, text, (size_t)len, "", 0);
}

static void serve_line(struct conn *c, char *line, size_t n) {
  if (n > 0 && line[n - 1] == '\r') n--;
  size_t cmd = word(line, n);
  char *arg = line + cmd + (cmd < n);
  size_t arg_len = n - cmd - (cmd < n);
  size_t key_len = word(arg, arg_len);
  if (cmd == 3 && memcmp(line, "SET", 3) == 0 && key_len > 0 && key_len < arg_len) {
    if (log_append(line, n) != 0) say_log_error(c);
    else if (store_set(arg, key_len, arg + key_len + 1, arg_len - key_len - 1) == 0) say(c, "OK");
    else say(c, "ERROR out of memory");
  } else if (cmd == 3 && memcmp(line, "GET", 3) == 0 && key_len == arg_len && key_len > 0) {
    struct entry *e = store_get(arg, key_len);
    if (e) reply(c, "VALUE ", 6, e->value, e->value_len);
    else say(c, "NOT_FOUND");
  } else if (cmd == 3 && memcmp(line, "DEL", 3) == 0 && key_len == arg_len && key_len > 0) {
    if (!store_get(arg, key_len)) say(c, "NOT_FOUND");
    else if (log_append(line, n) != 0) say_log_error(c);
    else say(c, store_del(arg, key_len) ? "DELETED" : "NOT_FOUND");
  } else if (cmd == 3 && memcmp(line, "LOG", 3) == 0) {
    serve_log(c, arg, arg_len);
  } else if (cmd == n && n == 5 && memcmp(line, "COUNT", 5) == 0) {
    char text[32];
    int len = snprintf(text, sizeof text, "COUNT %zu", entry_count);
    reply(c, text, (size_t)len, "", 0);
  } else if (cmd == n && n == 4 && memcmp(line, "QUIT", 4) == 0) {
    say(c, "BYE");
    c->closing = 1;
  } else if (cmd == n && n == 8 && memcmp(line, "SHUTDOWN", 8) == 0) {
    say(c, "BYE");
    c->closing = 1;
    shutting_down = 1;
  } else {
    say(c, "ERROR unknown request");
  }
}

/* Answers every complete line received; a line longer than MAX_LINE ends the connection. */
static void serve(struct conn *c) {
  size_t start = 0;
  while (!c->closing) {
    char *nl = memchr(c->in.data + start, '\n', c->in.len - start);
    if (!nl) break;
    serve_line(c, c->in.data + start, (size_t)(nl - (c->in.data + start)));
    start = (size_t)(nl - c->in.data) + 1;
  }
  consume(&c->in, start);
  if (c->in.len > MAX_LINE) {
    say(c, "ERROR line too long");
    c->closing = 1;
  }
}

static void drop(size_t i) {
  close(conns[i].fd);
  free(conns[i].in.data);
  free(conns[i].out.data);
  conns[i] = conns[--conn_count];
}

/* Reads what arrived; returns -1 when the connection is finished. */
static int read_some(struct conn *c) {
  char chunk[16384];
  for (;;) {
    ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      if (append(&c->in, chunk, (size_t)n) != 0) return -1;
      if ((size_t)n < sizeof chunk) return 0;
      continue;
    }
    if (n == 0) {
      c->closing = 1; /* the client is done: answer what it asked, then close */
      return 0;
    }
    return errno == EAGAIN ? 0 : -1;
  }
}

/* Sends what is pending; returns -1 when the connection is finished. */
static int write_some(struct conn *c) {
  while (c->out.len > 0) {
    ssize_t n = send(c->fd, c->out.data, c->out.len, 0);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    consume(&c->out, (size_t)n);
  }
  return c->closing ? -1 : 0;
}

static void accept_all(int listener) {
  while (conn_count < MAX_CONNS) {
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    int fd = accept(listener, (struct sockaddr *)&addr, &len);
    if (fd < 0) return;
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
      close(fd);
      continue;
    }
    conns[conn_count++] = (struct conn){.fd = fd};
  }
}

int main(int argc, char **argv) {
  int arg = 1;
  if (argc > 2 && strcmp(argv[1], "--log") == 0) {
    log_fd = open(argv[2], O_RDWR | O_CREAT | O_APPEND, 0644);
    if (log_fd < 0) {
      fprintf(stderr, "kvserver: cannot open the log %s: %s\n", argv[2], strerror(errno));
      return 1;
    }
    arg = 3;
  }
  int listener = argc > arg ? atoi(argv[arg]) : 3;
  struct stat st;
  if (fstat(listener, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    fprintf(stderr, "kvserver: fd %d is not a listening socket (run with --tcplisten or --listen)\n", listener);
    return 2;
  }
  if (fcntl(listener, F_SETFL, O_NONBLOCK) != 0) {
    fprintf(stderr, "kvserver: cannot make fd %d non-blocking: %s\n", listener, strerror(errno));
    return 1;
  }
  printf("kvserver: serving on fd %d\n", listener);
  fflush(stdout);
  static struct pollfd fds[MAX_CONNS + 1];
  while (!(shutting_down && conn_count == 0)) {
    /* wasi-libc's poll() refuses an entry that asks for nothing (ENOSYS): those get fd -1, which it skips. */
    int accepting = !shutting_down && conn_count < MAX_CONNS;
    fds[0] = (struct pollfd){.fd = accepting ? listener : -1, .events = POLLIN};
    for (size_t i = 0; i < conn_count; i++) {
      struct conn *c = &conns[i];
      short events = 0;
      if (!c->closing && c->out.len < OUT_HIGH) events |= POLLIN;
      if (c->out.len > 0) events |= POLLOUT;
      fds[i + 1] = (struct pollfd){.fd = events ? c->fd : -1, .events = events};
    }
    /* Shutting down, nothing is waited for: each pass closes what has no more to send. */
    if (poll(fds, conn_count + 1, shutting_down ? 0 : -1) < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "kvserver: poll: %s\n", strerror(errno));
      return 1;
    }
    /* Backwards, so that dropping connection i (the last one takes its place) skips nothing. */
    for (size_t i = conn_count; i-- > 0;) {
      struct conn *c = &conns[i];
      short ready = fds[i + 1].revents;
      int failed = 0;
      if (ready & (POLLIN | POLLHUP)) failed = read_some(c) != 0;
      if (!failed) serve(c);
      if (shutting_down) c->closing = 1;
      if (!failed && (c->out.len > 0 || c->closing)) failed = write_some(c) != 0;
      if (!failed && (ready & (POLLERR | POLLNVAL))) failed = 1;
      if (failed) drop(i);
    }
    if (fds[0].revents & POLLIN) accept_all(listener);
  }
  printf("kvserver: shut down with %zu keys\n", entry_count);
  return 0;
}
