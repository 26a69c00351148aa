// Copies the demo's sample data into public/samples/ (run by `npm run dev` and
// `npm run build`), with the licence notes. Source: ../shared/data, or $NUNCHI_DATA, and the
// repository's own tests/fixtures/.
//   movie-reviews.csv  text,label,split: 150 positive and 150 negative Rotten Tomatoes
//                      sentences (the first 150 lines of each file), interleaved, split by
//                      the project's rule: a line is test when its 0-based index is divisible by 10.
//   customer-messages.csv  text,intent,date: 900 messages to Brightline, a fictional energy and
//                      broadband provider (30 intents × 30, dated over about three months, shuffled),
//                      written for this project: tests/fixtures/feedback-intents/messages.csv, as it is.
//   nsmc-reviews.csv   text,label,split: 150 negative (부정) and 150 positive (긍정) Korean movie reviews
//                      (NSMC, from nsmc/dev.txt), interleaved, split by the project's rule (a
//                      data row is test when its 0-based index is divisible by 10): each label's
//                      first 15 test and first 135 train rows, the test rows first, so the first
//                      30 rows are the test split and any first N rows mix the labels.
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = process.env.NUNCHI_DATA ?? path.resolve(here, '../../../shared/data');
const messages = path.resolve(here, '../../tests/fixtures/feedback-intents/messages.csv');
const out = path.resolve(here, '../public/samples');
rmSync(out, { recursive: true, force: true }); // no sample left over from an earlier build
mkdirSync(out, { recursive: true });

const PER_LABEL = 150;

const quote = (s) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
const lines = (file) => readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim());

// Movie reviews.
const mr = path.join(data, 'mr_polarity');
const pos = lines(path.join(mr, 'rt-polarity.pos'));
const neg = lines(path.join(mr, 'rt-polarity.neg'));
const reviews = ['text,label,split'];
for (let i = 0; i < PER_LABEL; i++) {
  const split = i % 10 === 0 ? 'test' : 'train';
  reviews.push(`${quote(pos[i])},positive,${split}`, `${quote(neg[i])},negative,${split}`);
}
writeFileSync(path.join(out, 'movie-reviews.csv'), reviews.join('\n') + '\n');

// Korean movie reviews (NSMC): id<TAB>document<TAB>label (1 = positive), with a header.
const NSMC_TEST = PER_LABEL / 10;
// Korean label names, as the demo's Korean zero-shot labels, so the sample's accuracy shows.
const NSMC_LABELS = { negative: '부정', positive: '긍정' };
const nsmcRows = readFileSync(path.join(data, 'nsmc/dev.txt'), 'utf8').split(/\r?\n/).slice(1);
const nsmc = { negative: { test: [], train: [] }, positive: { test: [], train: [] } };
nsmcRows.forEach((row, i) => {
  const [, doc, label] = row.split('\t');
  if (!doc?.trim() || !['0', '1'].includes(label)) return;
  nsmc[label === '1' ? 'positive' : 'negative'][i % 10 === 0 ? 'test' : 'train'].push(doc.trim());
});
const korean = ['text,label,split'];
for (const split of ['test', 'train']) {
  const n = split === 'test' ? NSMC_TEST : PER_LABEL - NSMC_TEST;
  for (let i = 0; i < n; i++) {
    for (const label of ['negative', 'positive']) {
      const t = nsmc[label][split][i];
      if (t === undefined) throw new Error(`nsmc: fewer than ${n} ${label} ${split} reviews`);
      korean.push(`${quote(t)},${NSMC_LABELS[label]},${split}`);
    }
  }
}
writeFileSync(path.join(out, 'nsmc-reviews.csv'), korean.join('\n') + '\n');

// Customer messages: the project's own dated feedback fixture, copied as it is.
copyFileSync(messages, path.join(out, 'customer-messages.csv'));
const feedbackRows = readFileSync(messages, 'utf8').split('\n').filter(Boolean).length - 1;
writeFileSync(path.join(out, 'NOTICE.txt'), `Sample data bundled with the nunchi demo.

movie-reviews.csv: sentences from the Movie Review polarity dataset v1.0
(sentence polarity dataset, Bo Pang and Lillian Lee, "Seeing stars: Exploiting class
relationships for sentiment categorization with respect to rating scales", ACL 2005),
Cornell, released for research use: https://www.cs.cornell.edu/people/pabo/movie-review-data/

customer-messages.csv: 900 short messages to Brightline, a fictional home energy and
broadband provider, each with an intent and a date. Written by hand for nunchi (no text
copied or paraphrased from any dataset; no real companies or people), licensed as nunchi
itself: Apache-2.0.

nsmc-reviews.csv: Korean movie reviews from the Naver sentiment movie corpus v1.0
(NSMC, Lucy Park, https://github.com/e9t/nsmc), reviews scraped from Naver Movies.
No licence file ships with the data here; the corpus's README states its licence as
CC0 1.0 Universal (public domain dedication): https://creativecommons.org/publicdomain/zero/1.0/
Labels: 부정 = negative (the corpus's 0, ratings 1-4), 긍정 = positive (its 1, ratings 9-10).
The demo uses these reviews for the Korean feedback explorer sample as well.
`);
console.log(`samples: ${reviews.length - 1} movie reviews, ${korean.length - 1} Korean reviews, ${feedbackRows} customer messages -> ${path.relative(process.cwd(), out)}`);
