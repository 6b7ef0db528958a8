/*
 * `deploystop token`: fetch an IAM token (ds_iam_fetch) and store it in a
 * file created mode 0600, or print it when explicitly asked.
 */
#ifndef DS_CLI_TOKEN_H
#define DS_CLI_TOKEN_H

/* argv[0] is "token". Returns the process exit status (report.h codes). */
int cli_token_main(int argc, char **argv);

extern const char cli_token_usage[];

#endif /* DS_CLI_TOKEN_H */
