/* The csv plugin's record reader (csv_record.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_record.h"
#include "ds_plugin.h"

/* Appends c to the record, refusing one past CSV_MAX_RECORD. */
static int put_byte(struct csv_reader *r, char c, size_t start, char *err)
{
	if (r->len + 2 > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		char *p;

		if (cap > CSV_MAX_RECORD + 2)
			return ds_errorf(err, "%s:%zu: the record is longer than %u bytes", r->path, start,
					 CSV_MAX_RECORD);
		if (!(p = realloc(r->rec, cap)))
			return ds_errorf(err, "out of memory reading '%s'", r->path);
		r->rec = p;
		r->cap = cap;
	}
	r->rec[r->len++] = c;
	return 0;
}

/* The record's fields: it is split at the NULs written for unquoted
 * delimiters. */
static int split_fields(struct csv_reader *r, char *err)
{
	size_t field_start = 0;

	if (r->len + 1 > r->cap) {
		char *p = realloc(r->rec, r->len + 1);

		if (!p)
			return ds_errorf(err, "out of memory reading '%s'", r->path);
		r->rec = p;
		r->cap = r->len + 1;
	}
	r->rec[r->len] = '\0';
	for (size_t i = 0; i <= r->len; i++) {
		if (i < r->len && r->rec[i] != '\0')
			continue;
		if (r->nfields == r->fcap) {
			size_t cap = r->fcap ? r->fcap * 2 : 64;
			char **p = realloc(r->fields, cap * sizeof(*p));

			if (!p)
				return ds_errorf(err, "out of memory reading '%s'", r->path);
			r->fields = p;
			r->fcap = cap;
		}
		r->fields[r->nfields++] = r->rec + field_start;
		field_start = i + 1;
	}
	return 1;
}

/* The end of the input: a read error, a quote left open, the end of the
 * last record (1), or of the file (0). */
static int at_end(struct csv_reader *r, int quoted, int any, size_t start, char *err)
{
	int zerr;
	const char *msg = gzerror(r->f, &zerr);

	if (zerr != Z_OK)
		return ds_errorf(err, "cannot read '%s': %s", r->path, zerr == Z_ERRNO ? strerror(errno) : msg);
	if (quoted)
		return ds_errorf(err, "%s:%zu: a quoted field is not closed before the end of the file",
				 r->path, start);
	return any;
}

int csv_read_record(struct csv_reader *r, size_t *start, char *err)
{
	int c, quoted = 0, at_field_start = 1, any = 0, rc;

	r->len = 0;
	r->nfields = 0;
	*start = r->line;
	for (;;) {
		if ((c = gzgetc(r->f)) == -1) {
			if ((rc = at_end(r, quoted, any, *start, err)) <= 0)
				return rc;
			break;
		}
		any = 1;
		/* Fields are split at NULs below: a NUL in the file is no field
		 * separator but a sign of binary data. */
		if (c == '\0') {
			size_t field = 1;

			for (size_t i = 0; i < r->len; i++)
				field += r->rec[i] == '\0';
			return ds_errorf(err, "%s:%zu: a NUL byte in field %zu (is this a text file?)",
					 r->path, r->line, field);
		}
		if (quoted) {
			if (c == '"') {
				int next = gzgetc(r->f);

				if (next != '"') {
					quoted = 0;
					if (next != -1)
						gzungetc(next, r->f);
					continue;
				}
			} else if (c == '\n') {
				r->line++;
			}
		} else if (c == '"' && at_field_start) {
			quoted = 1;
			at_field_start = 0;
			continue;
		} else if (c == '\n') {
			r->line++;
			break;
		} else if (c == '\r') {
			int next = gzgetc(r->f);

			if (next == '\n') {
				r->line++;
				break;
			}
			if (next != -1)
				gzungetc(next, r->f);
		}
		at_field_start = !quoted && c == r->delim;
		if (put_byte(r, at_field_start ? '\0' : (char)c, *start, err) < 0)
			return -1;
	}
	return split_fields(r, err);
}

int csv_reader_open(struct csv_reader *r, const char *path, char delim, char *err)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->delim = delim;
	r->line = 1;
	errno = 0;
	r->f = gzopen(path, "rb");
	if (!r->f)
		return ds_errorf(err, "cannot open '%s': %s", path, errno ? strerror(errno) : "out of memory");
	gzbuffer(r->f, 1 << 17);
	/* Skip a UTF-8 byte order mark. */
	int a = gzgetc(r->f), b = a == 0xef ? gzgetc(r->f) : -1, c = b == 0xbb ? gzgetc(r->f) : -1;
	if (!(a == 0xef && b == 0xbb && c == 0xbf))
		gzrewind(r->f);
	return 0;
}

void csv_reader_close(struct csv_reader *r)
{
	if (r->f)
		gzclose(r->f);
	free(r->rec);
	free(r->fields);
}

const char *csv_show(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 8 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (o >= 60) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '\n' || c == '\r' || c == '\t') {
			buf[o++] = '\\';
			buf[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return buf;
}
