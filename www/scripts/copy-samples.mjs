// Copies the demo's sample data into public/samples/ (run by `npm run dev` and
// `npm run build`), with the licence notes. Source: ../shared/data, or $NUNCHI_DATA.
//   movie-reviews.csv  text,label,split: 150 positive and 150 negative Rotten Tomatoes
//                      sentences (the first 150 lines of each file), interleaved, split by
//                      the project's rule: a line is test when its 0-based index is divisible by 10.
//   feedback.csv       text,category: 304 BANKING77 test messages, 38 from each of 8 intents,
//                      round-robin, so any first N rows mix the intents evenly.
//   nsmc-reviews.csv   text,label,split: 150 negative (부정) and 150 positive (긍정) Korean movie reviews
//                      (NSMC, from nsmc/dev.txt), interleaved, split by the project's rule (a
//                      data row is test when its 0-based index is divisible by 10): each label's
//                      first 15 test and first 135 train rows, the test rows first, so the first
//                      30 rows are the test split and any first N rows mix the labels.
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = process.env.NUNCHI_DATA ?? path.resolve(here, '../../../shared/data');
const out = path.resolve(here, '../public/samples');
mkdirSync(out, { recursive: true });

const PER_LABEL = 150;
const FEEDBACK_INTENTS = ['card_arrival', 'exchange_rate', 'lost_or_stolen_card', 'top_up_failed',
  'cash_withdrawal_charge', 'change_pin', 'transfer_timing', 'Refund_not_showing_up'];
const PER_INTENT = 38;

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

// Feedback: a small CSV parser is enough for this file (quoted fields, CRLF).
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') q = false; else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = ''; if (row.some((f) => f !== '')) rows.push(row); row = [];
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}
const [header, ...rows] = parseCsv(readFileSync(path.join(data, 'banking77/test.csv'), 'utf8'));
const [ti, ci] = [header.indexOf('text'), header.indexOf('category')];
const byIntent = new Map(FEEDBACK_INTENTS.map((c) => [c, []]));
for (const r of rows) byIntent.get(r[ci])?.push(r[ti].trim());
const feedback = ['text,category'];
for (let i = 0; i < PER_INTENT; i++) {
  for (const c of FEEDBACK_INTENTS) {
    const t = byIntent.get(c)[i];
    if (t === undefined) throw new Error(`banking77: intent ${c} has fewer than ${PER_INTENT} test messages`);
    feedback.push(`${quote(t)},${c}`);
  }
}
writeFileSync(path.join(out, 'feedback.csv'), feedback.join('\n') + '\n');
copyFileSync(path.join(data, 'banking77/LICENSE'), path.join(out, 'BANKING77-LICENSE.txt'));
writeFileSync(path.join(out, 'NOTICE.txt'), `Sample data bundled with the nunchi demo.

movie-reviews.csv: sentences from the Movie Review polarity dataset v1.0
(sentence polarity dataset, Bo Pang and Lillian Lee, "Seeing stars: Exploiting class
relationships for sentiment categorization with respect to rating scales", ACL 2005),
Cornell, released for research use: https://www.cs.cornell.edu/people/pabo/movie-review-data/

feedback.csv: messages from the BANKING77 test set (Casanueva et al. 2020,
"Efficient Intent Detection with Dual Sentence Encoders"), licensed CC-BY-4.0
(BANKING77-LICENSE.txt): https://github.com/PolyAI-LDN/task-specific-datasets

nsmc-reviews.csv: Korean movie reviews from the Naver sentiment movie corpus v1.0
(NSMC, Lucy Park, https://github.com/e9t/nsmc), reviews scraped from Naver Movies.
No licence file ships with the data here; the corpus's README states its licence as
CC0 1.0 Universal (public domain dedication): https://creativecommons.org/publicdomain/zero/1.0/
Labels: 부정 = negative (the corpus's 0, ratings 1-4), 긍정 = positive (its 1, ratings 9-10).
The demo uses these reviews for the Korean feedback explorer sample as well.
`);
console.log(`samples: ${reviews.length - 1} movie reviews, ${korean.length - 1} Korean reviews, ${feedback.length - 1} feedback messages -> ${path.relative(process.cwd(), out)}`);
