/*
 * Masking of personal data (domain.md section 8): phone numbers and e-mail
 * addresses are shown only as much as a person needs to recognise them.
 * Pure functions, no I/O.
 */
#ifndef CDP_MASK_H
#define CDP_MASK_H

#include <stddef.h>

size_t	mask_text(const char *in, char *out, size_t outsz);
void	mask_phone(const char *phone, char *out, size_t outsz);
void	mask_email(const char *email, char *out, size_t outsz);

#endif
