/* The csv plugin's record reader: RFC 4180 records (quoted fields may
 * hold delimiters, doubled quotes and newlines) from a plain or gzipped
 * file, split into fields, with the line numbers that messages name. */
#ifndef CSV_RECORD_H
#define CSV_RECORD_H

#include <stddef.h>

#include <zlib.h>

#define CSV_MAX_RECORD (1u << 20)   /* bytes in one record: no sane CSV row is longer */

struct csv_reader {
	gzFile f;            /* zlib reads plain text and .gz alike */
	const char *path;
	char delim;
	size_t line;         /* line number of the next line to read */
	char *rec;           /* the record's text, fields unquoted, NUL-separated */
	size_t len, cap;
	char **fields;
	size_t nfields, fcap;
};

/* Opens path (skipping a UTF-8 byte order mark) for records split at
 * delim. Returns 0, or -1 with err filled (DS_ERR_MAX bytes). */
int csv_reader_open(struct csv_reader *r, const char *path, char delim, char *err);

/* Reads one record (possibly several lines when a quoted field spans
 * them) and splits it into r->fields. Returns 1, 0 at end of file, or -1
 * with err filled. *start receives the record's first line number. */
int csv_read_record(struct csv_reader *r, size_t *start, char *err);

void csv_reader_close(struct csv_reader *r);

/* A field's text as a message shows it, on one line: control characters
 * (a newline in a quoted field) escaped, and cut to 60 bytes. */
const char *csv_show(const char *s, char *buf, size_t len);

#endif
