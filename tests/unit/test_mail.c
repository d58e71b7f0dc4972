/*
 * Unit tests for mail_msg.c: header injection refused in every field a
 * person types, names and subjects that read back as given (what fuzz_mail
 * found), RFC 2047 words for non-ASCII (no line over 76, no character
 * split), quoted-printable bodies (line length, a lone dot, trailing space),
 * and the multipart layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "mail_msg.h"

static struct mail base(void)
{
	struct mail m = {.from_name = "North American Motoring",
			 .from_addr = "club@example.org",
			 .to_name = "Ann Driver",
			 .to_addr = "ann@example.org",
			 .subject = "Re: club run",
			 .text = "Hello Ann,\nsee you at nine.\n",
			 .domain = "example.org"};
	return m;
}

static const char *build(const struct mail *m, struct buf *out)
{
	char id[128];
	return mail_build(m, out, id, sizeof(id));
}

static void assert_lines_at_most(const char *s, size_t n, size_t max)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			assert_true(i > 0 && s[i - 1] == '\r'); /* CRLF only */
			col = 0;
		} else if (s[i] != '\r') {
			col++;
			assert_true(col <= max);
		}
	}
}

static void test_injection_refused(void **state)
{
	struct buf out;
	buf_init(&out, 0);
	struct mail m = base();
	m.subject = "Hi\r\nBcc: victim@example.org";
	assert_non_null(build(&m, &out));
	m = base();
	m.to_name = "Ann\nBcc: x@example.org";
	assert_non_null(build(&m, &out));
	m = base();
	m.from_name = "Club\r";
	assert_non_null(build(&m, &out));
	m = base();
	m.to_addr = "ann@example.org>\r\nBcc: x@example.org";
	assert_non_null(build(&m, &out));
	m = base();
	m.to_addr = "not an address";
	assert_non_null(build(&m, &out));
	m = base();
	m.extra[0] = (struct mail_header){"List-Unsubscribe", "<https://x>\r\nBcc: y"};
	m.nextra = 1;
	assert_non_null(build(&m, &out));
	m = base();
	assert_null(build(&m, &out));
	buf_putc(&out, '\0');
	assert_null(strstr(out.data, "Bcc"));
	assert_non_null(strstr(out.data, "To: \"Ann Driver\" <ann@example.org>\r\n"));
	assert_non_null(strstr(out.data, "Subject: Re: club run\r\n"));
	assert_non_null(strstr(out.data, "Message-ID: <"));
	buf_release(&out);
}

static void test_encoded_words(void **state)
{
	struct buf out;
	buf_init(&out, 0);
	mail_encode_words(&out, "Grüße aus München");
	buf_putc(&out, '\0');
	assert_string_equal(out.data, "=?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=");
	buf_reset(&out);
	/* Long text folds into several words, each line within 76 characters. */
	mail_encode_words(&out, "Überraschung für alle Mitglieder des Clubs: die große Ausfahrt im "
				"Frühling führt über die Alpen nach Österreich und zurück");
	assert_lines_at_most(out.data, out.len, 76);
	buf_putc(&out, '\0');
	assert_non_null(strstr(out.data, "?=\r\n =?UTF-8?B?"));
	buf_release(&out);
}

static void test_quoted_printable(void **state)
{
	struct buf out;
	buf_init(&out, 0);
	mail_quoted_printable(
		&out, "a = b\n.\nend with space \n"
		      "0123456789012345678901234567890123456789012345678901234567890123456789"
		      "0123456789012345678901234567890123456789\nnaïve\n");
	assert_lines_at_most(out.data, out.len, 76);
	buf_putc(&out, '\0');
	assert_non_null(strstr(out.data, "a =3D b\r\n"));
	assert_non_null(strstr(out.data, "\r\n=2E\r\n"));  /* a lone dot */
	assert_non_null(strstr(out.data, "space=20\r\n")); /* trailing space kept */
	assert_non_null(strstr(out.data, "=\r\n"));	   /* soft break in the long line */
	assert_non_null(strstr(out.data, "na=C3=AFve"));
	buf_release(&out);
}

/* What fuzz_mail found: text a reader would take for more than it is. */
static void test_read_back_as_given(void **state)
{
	struct buf out;
	buf_init(&out, 0);
	/* A display name with specials: one quoted name, not a second address. */
	struct mail m = base();
	m.to_name = "Evil, Person <x@evil.example> \"q\" \\";
	assert_null(build(&m, &out));
	buf_putc(&out, '\0');
	assert_non_null(strstr(out.data, "To: \"Evil, Person <x@evil.example> \\\"q\\\" \\\\\" "
					 "<ann@example.org>\r\n"));
	/* A subject that looks like an encoded word is encoded, so it reads as typed. */
	m = base();
	m.subject = "=?UTF-8?B?SGk=?=";
	assert_null(build(&m, &out));
	buf_putc(&out, '\0');
	assert_null(strstr(out.data, "Subject: =?UTF-8?B?SGk=?=\r\n"));
	assert_non_null(strstr(out.data, "Subject: =?UTF-8?B?PT9VVEYtOD9CP1NHaz0/PQ==?=\r\n"));
	/* A long plain subject is folded, not one line past 998 bytes. */
	char long_subject[1500];
	memset(long_subject, 'S', sizeof(long_subject) - 1);
	long_subject[sizeof(long_subject) - 1] = '\0';
	m = base();
	m.subject = long_subject;
	assert_null(build(&m, &out));
	assert_lines_at_most(out.data, out.len, 998);
	/* Extra headers: none of ours, none twice, a name that is a name. */
	static const char *const bad_names[] = {"To", "subject", "", "X Bad", "X-\xc3\xa9"};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		m = base();
		m.extra[0] = (struct mail_header){bad_names[i], "v"};
		m.nextra = 1;
		assert_non_null(build(&m, &out));
	}
	m = base();
	m.extra[0] = (struct mail_header){"List-Unsubscribe", "<https://x>"};
	m.extra[1] = (struct mail_header){"list-unsubscribe", "<https://y>"};
	m.nextra = 2;
	assert_non_null(build(&m, &out));
	/* The Message-ID's domain cannot close it early or break the line. */
	m = base();
	m.domain = "example.org> <x@evil.example";
	assert_non_null(build(&m, &out));
	buf_release(&out);
}

static void test_multipart(void **state)
{
	struct buf out;
	buf_init(&out, 0);
	struct mail m = base();
	m.html = "<p>Hello Ann</p>";
	m.subject = "Ausfahrt im Frühling";
	assert_null(build(&m, &out));
	assert_lines_at_most(out.data, out.len, 998);
	buf_putc(&out, '\0');
	assert_non_null(strstr(out.data, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(out.data, "Content-Type: multipart/alternative; boundary=\""));
	assert_non_null(strstr(out.data, "Content-Type: text/plain; charset=UTF-8"));
	assert_non_null(strstr(out.data, "Content-Type: text/html; charset=UTF-8"));
	assert_non_null(strstr(out.data, "--\r\n"));
	buf_release(&out);
}

int main(void)
{
	crypto_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_injection_refused), cmocka_unit_test(test_read_back_as_given),
		cmocka_unit_test(test_encoded_words),	  cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_multipart),
	};
	return cmocka_run_group_tests_name("mail", tests, NULL, NULL);
}
