// The UI's words in each language, the current language, and t() to look them up.
// Static markup names its string with data-i18n (text), data-i18n-html (text with
// a little markup, from this table only) or data-i18n-attr="attr:key,attr:key";
// applyStrings() fills them in again whenever the language changes.

const en = {
  'doc.title': 'nunchi: text understanding on your own device',
  'lang.group': 'Language',
  skip: 'Skip to the tools',
  lede: 'Sentence embeddings and Flan-T5, quantized, running in WebAssembly in this tab.',
  privacy: '<strong>Your text never leaves this page.</strong> Only the page, its code and the model files are downloaded; the models run here, in a Web Worker.',
  offline: 'Works offline now: this page is stored in your browser, and so is each model once it has loaded.',
  'models.h': 'Models',
  'encoder.name': 'Sentence encoder',
  'encoder.progress': 'Sentence encoder download',
  'encoder.idle': 'not loaded (loads when needed)',
  'encoder.load': 'Load now',
  't5.progress': 'Flan-T5 download',
  't5.idle': 'not loaded (optional)',
  't5.load': 'Load Flan-T5',
  'model.download': 'downloading {loaded} of {total}',
  'model.downloadOpen': 'downloading {loaded}',
  'model.cached': 'found in this browser’s cache',
  'model.parse': 'preparing the model…',
  'model.ready': 'ready in {s} s',
  'model.starting': 'starting…',
  'model.cancelled': 'load cancelled',
  'model.failed': 'failed: {message}',
  'model.device': 'Where the model runs',
  'model.fallback': 'CPU fallback',
  'model.testWeights': 'test weights',
  't5.testWarning': 'This Flan-T5 is a test model with generated weights: its answers and titles are meaningless. '
    + 'Point VITE_T5_URL at real weights (e.g. https://huggingface.co/google/flan-t5-small) for real answers.',
  'tabs.label': 'Tools',
  'tab.classifier': 'Review classifier',
  'tab.explorer': 'Feedback explorer',
  'task.embed': 'Embedding {done} of {total} texts…',
  'task.classify': 'Scoring {done} of {total} texts…',
  'task.train': 'Training…',
  'task.cluster': 'Clustering…',
  'task.title': 'Writing titles {done} of {total}…',
  'job.cancelled': 'Cancelled.',
  'job.error': 'Error: {message}',
  'job.loadingEncoder': 'Loading the sentence encoder…',
  'job.loadingT5': 'Loading Flan-T5…',
  cancel: 'Cancel',
  exportCsv: 'Export CSV',
  'input.placeholder': 'One text per line',
  'input.textColumn': 'Text column',
  'input.none': '(none)',
  'input.clear': 'Clear file',
  'input.file': 'Or choose (or drop here) a CSV or TXT file',
  'input.limit': 'Rows to use (first N)',
  'input.summary': '{name}: {rows} rows, columns {columns}.',
  'cls.paste': 'Reviews, one per line',
  'cls.sample': 'Try 300 movie reviews',
  'cls.sampleHint': 'bundled with this page',
  'cls.labelColumn': 'Label column (optional)',
  'cls.method': 'Method',
  'cls.zeroShot': 'Zero-shot labels',
  'cls.train': 'Train on my labels',
  'cls.prompt': 'Prompt Flan-T5',
  'cls.zeroShotHint': 'Each text goes to the label whose description it is closest to.',
  'cls.trainHint': 'Trains a small classifier (logistic regression on embeddings) on the rows that have a label '
    + '(or, with a <code>split</code> column like the sample’s, the <code>train</code> rows), then labels the rest.',
  'cls.promptHint': 'Flan-T5 scores each label (from the editor above) as the answer to the prompt.',
  'cls.template': 'Prompt (<code>{text}</code> is replaced by each text)',
  'cls.addLabel': 'Add a label',
  'cls.labelHead': 'Label',
  'cls.descriptionHead': 'What it means',
  'cls.labelN': 'Label {n}',
  'cls.descriptionN': 'Description of label {n}',
  'cls.removeN': 'Remove label {n}',
  'cls.run': 'Classify',
  'cls.progress': 'Classification progress',
  'cls.t5Later': 'Flan-T5 (about 80 MB) loads when you classify.',
  'cls.t5Test': 'The loaded Flan-T5 is a test model with generated weights: its answers are meaningless.',
  'cls.t5Loaded': 'Flan-T5 is loaded ({model}).',
  'cls.needTexts': 'Paste some reviews, choose a file or try the sample first.',
  'cls.needLabels': 'Give at least two labels.',
  'cls.needLabelColumn': 'Training needs a label column: choose a CSV with labels (or the sample).',
  'cls.needTwoLabels': 'Training needs at least two different labels.',
  'cls.nothingLeft': 'Nothing left to label: every row is used for training.',
  'cls.testModel': ' (test model: meaningless answers)',
  'cls.trainedOn': ' Trained on {n} texts',
  'cls.heldOut': ' (every 10th row held out for testing)',
  'cls.crossValidation': '; {folds}-fold cross-validation accuracy {accuracy}.',
  'cls.accuracy': 'Accuracy',
  'cls.accuracyOn': 'on {n} texts with known labels.',
  'cls.perClass': 'Per-class scores',
  'cls.metricCols': ['label', 'precision', 'recall', 'F1', 'support'],
  'cls.confusion': 'Confusion matrix (rows: true label, columns: predicted)',
  'cls.truePredicted': 'true \\ predicted',
  'cls.classified': '{n} classified texts',
  'cls.resultCols': ['text', 'label', 'confidence', 'true label'],
  'table.filterText': 'Filter by text',
  'table.filterLabel': 'Filter by label',
  'table.allLabels': 'All labels',
  'table.wrongOnly': 'Only mistakes',
  'table.showing': 'showing {shown} of {total}',
  'cls.confidence': 'confidence {p}',
  'cls.done': 'Done: {n} texts labelled.',
  // The zero-shot editor's starting labels: [label, description].
  'cls.defaultLabels': [['negative', 'A very negative movie review'], ['positive', 'A very positive movie review']],
  'fb.paste': 'Feedback, one per line',
  'fb.sample': 'Try 300 banking messages',
  'fb.sampleHint': 'bundled with this page',
  'fb.labelColumn': 'Known category (optional, kept in the export)',
  'fb.clusters': 'Clusters',
  'fb.k': 'Number of topics',
  'fb.kAuto': 'choose for me (2–10)',
  'fb.titleNote': 'Topic titles come from Flan-T5 when real Flan-T5 weights are loaded; otherwise each topic is named by its keywords.',
  'fb.run': 'Find topics',
  'fb.progress': 'Clustering progress',
  'fb.needTexts': 'Give at least 3 texts (paste, choose a file or try the sample).',
  'fb.untitled': 'untitled',
  'fb.other': 'other',
  'fb.mapCaption': 'Each dot is one text ({n}), placed by a 2-D projection of its embedding and coloured by topic. Hover or tap a dot to read it.',
  'fb.size': '{n} texts',
  'fb.byKeywords': ' · named by keywords',
  'fb.keywords': 'Keywords: ',
  'fb.sentiment': 'Sentiment',
  'fb.mix': '{pos} positive, {neg} negative',
  'fb.positive': '{p}% positive',
  'fb.summary': '{k} topics in {n} texts',
  'fb.chosenK': ' (k = {k}, chosen by silhouette)',
  'fb.others': '; {n} texts in small groups shown as “other”',
  'fb.done': 'Done: {n} topics.',
  // cluster()'s sentiment option: true is the package's English descriptions.
  'fb.sentimentDescriptions': true,
  footer: 'Sample data: Movie Review polarity v1.0 (Pang &amp; Lee, 2005, research use), BANKING77 '
    + '(Casanueva et al., 2020, CC-BY-4.0) and the Naver sentiment movie corpus (NSMC, CC0 1.0).',
  notices: 'Notices',
};

const ko = {
  'doc.title': 'nunchi: 내 기기에서 하는 텍스트 이해',
  'lang.group': '언어',
  skip: '도구로 건너뛰기',
  lede: '양자화한 문장 임베딩 모델과 Flan-T5가 이 탭의 WebAssembly에서 돌아갑니다.',
  privacy: '<strong>입력한 텍스트는 이 페이지 밖으로 나가지 않습니다.</strong> 내려받는 것은 페이지와 코드, 모델 파일뿐이며 모델은 이 페이지의 웹 워커에서 실행됩니다.',
  offline: '이제 오프라인에서도 작동합니다. 이 페이지와, 한 번 불러온 모델은 브라우저에 저장되어 있습니다.',
  'models.h': '모델',
  'encoder.name': '문장 인코더',
  'encoder.progress': '문장 인코더 다운로드',
  'encoder.idle': '아직 불러오지 않음 (필요할 때 불러옴)',
  'encoder.load': '지금 불러오기',
  't5.progress': 'Flan-T5 다운로드',
  't5.idle': '아직 불러오지 않음 (선택)',
  't5.load': 'Flan-T5 불러오기',
  'model.download': '{total} 중 {loaded} 내려받는 중',
  'model.downloadOpen': '{loaded} 내려받는 중',
  'model.cached': '브라우저 캐시에 있음',
  'model.parse': '모델 준비 중…',
  'model.ready': '{s}초 만에 준비됨',
  'model.starting': '시작하는 중…',
  'model.cancelled': '불러오기 취소됨',
  'model.failed': '실패: {message}',
  'model.device': '모델이 실행되는 곳',
  'model.fallback': 'CPU 대체 실행',
  'model.testWeights': '테스트 가중치',
  't5.testWarning': '이 Flan-T5는 생성된 가중치로 만든 테스트 모델이라 답과 제목에 의미가 없습니다. '
    + '실제 답을 보려면 VITE_T5_URL을 실제 가중치(예: https://huggingface.co/google/flan-t5-small)로 지정하세요.',
  'tabs.label': '도구',
  'tab.classifier': '리뷰 분류기',
  'tab.explorer': '의견 탐색기',
  'task.embed': '텍스트 {total}개 중 {done}개 임베딩 중…',
  'task.classify': '텍스트 {total}개 중 {done}개 채점 중…',
  'task.train': '학습 중…',
  'task.cluster': '군집화 중…',
  'task.title': '제목 쓰는 중 ({done}/{total})…',
  'job.cancelled': '취소했습니다.',
  'job.error': '오류: {message}',
  'job.loadingEncoder': '문장 인코더를 불러오는 중…',
  'job.loadingT5': 'Flan-T5를 불러오는 중…',
  cancel: '취소',
  exportCsv: 'CSV로 내보내기',
  'input.placeholder': '한 줄에 텍스트 하나',
  'input.textColumn': '텍스트 열',
  'input.none': '(없음)',
  'input.clear': '파일 지우기',
  'input.file': '또는 CSV·TXT 파일 고르기 (여기에 끌어다 놓아도 됩니다)',
  'input.limit': '사용할 행 수 (앞에서부터 N개)',
  'input.summary': '{name}: {rows}행, 열: {columns}.',
  'cls.paste': '리뷰 (한 줄에 하나씩)',
  'cls.sample': '영화 리뷰 300개로 해 보기',
  'cls.sampleHint': '네이버 영화 리뷰(NSMC), 이 페이지에 포함됨',
  'cls.labelColumn': '레이블 열 (선택)',
  'cls.method': '방법',
  'cls.zeroShot': '제로샷 레이블',
  'cls.train': '내 레이블로 학습',
  'cls.prompt': 'Flan-T5에 묻기',
  'cls.zeroShotHint': '각 텍스트는 설명이 가장 가까운 레이블로 분류됩니다.',
  'cls.trainHint': '레이블이 있는 행(샘플처럼 <code>split</code> 열이 있으면 <code>train</code> 행)으로 '
    + '작은 분류기(임베딩 위의 로지스틱 회귀)를 학습한 뒤 나머지 행에 레이블을 붙입니다.',
  'cls.promptHint': 'Flan-T5가 위 편집기의 각 레이블을 프롬프트의 답으로 채점합니다. Flan-T5는 영어만 알아듣습니다.',
  'cls.template': '프롬프트 (<code>{text}</code> 자리에 각 텍스트가 들어갑니다)',
  'cls.addLabel': '레이블 추가',
  'cls.labelHead': '레이블',
  'cls.descriptionHead': '뜻',
  'cls.labelN': '레이블 {n}',
  'cls.descriptionN': '레이블 {n}의 설명',
  'cls.removeN': '레이블 {n} 삭제',
  'cls.run': '분류하기',
  'cls.progress': '분류 진행률',
  'cls.t5Later': 'Flan-T5(약 80 MB)는 분류할 때 불러옵니다.',
  'cls.t5Test': '불러온 Flan-T5는 생성된 가중치로 만든 테스트 모델이라 답에 의미가 없습니다.',
  'cls.t5Loaded': 'Flan-T5를 불러왔습니다 ({model}).',
  'cls.needTexts': '먼저 리뷰를 붙여 넣거나, 파일을 고르거나, 샘플을 불러오세요.',
  'cls.needLabels': '레이블을 두 개 이상 입력하세요.',
  'cls.needLabelColumn': '학습하려면 레이블 열이 필요합니다. 레이블이 있는 CSV(또는 샘플)를 고르세요.',
  'cls.needTwoLabels': '학습하려면 서로 다른 레이블이 두 개 이상 있어야 합니다.',
  'cls.nothingLeft': '레이블을 붙일 행이 없습니다. 모든 행을 학습에 썼습니다.',
  'cls.testModel': ' (테스트 모델: 의미 없는 답)',
  'cls.trainedOn': ' 텍스트 {n}개로 학습',
  'cls.heldOut': ' (10번째 행마다 평가용으로 남김)',
  'cls.crossValidation': ', {folds}겹 교차 검증 정확도 {accuracy}.',
  'cls.accuracy': '정확도',
  'cls.accuracyOn': '(레이블을 아는 텍스트 {n}개 기준).',
  'cls.perClass': '레이블별 점수',
  'cls.metricCols': ['레이블', '정밀도', '재현율', 'F1', '개수'],
  'cls.confusion': '혼동 행렬 (행: 실제 레이블, 열: 예측)',
  'cls.truePredicted': '실제 \\ 예측',
  'cls.classified': '분류한 텍스트 {n}개',
  'cls.resultCols': ['텍스트', '레이블', '확신도', '실제 레이블'],
  'table.filterText': '텍스트로 거르기',
  'table.filterLabel': '레이블로 거르기',
  'table.allLabels': '모든 레이블',
  'table.wrongOnly': '틀린 것만',
  'table.showing': '{total}개 중 {shown}개 표시',
  'cls.confidence': '확신도 {p}',
  'cls.done': '완료: 텍스트 {n}개에 레이블을 붙였습니다.',
  'cls.defaultLabels': [['부정', '매우 부정적인 영화 리뷰'], ['긍정', '매우 긍정적인 영화 리뷰']],
  'fb.paste': '의견 (한 줄에 하나씩)',
  'fb.sample': '영화 리뷰 300개로 해 보기',
  'fb.sampleHint': '한국어 고객 의견 샘플이 없어 네이버 영화 리뷰(NSMC)로 대신합니다. 이 페이지에 포함됨',
  'fb.labelColumn': '알려진 분류 (선택, 내보내기에 포함)',
  'fb.clusters': '군집',
  'fb.k': '주제 수',
  'fb.kAuto': '자동으로 정하기 (2–10)',
  'fb.titleNote': '주제 이름은 키워드로 붙입니다. Flan-T5는 영어만 알아들어 한국어 주제 제목은 쓰지 않습니다.',
  'fb.run': '주제 찾기',
  'fb.progress': '군집화 진행률',
  'fb.needTexts': '텍스트를 3개 이상 주세요 (붙여 넣기, 파일, 샘플).',
  'fb.untitled': '제목 없음',
  'fb.other': '기타',
  'fb.mapCaption': '점 하나가 텍스트 하나입니다({n}개). 임베딩을 2차원으로 투영해 놓고 주제별로 색을 칠했습니다. 점에 마우스를 올리거나 탭하면 내용이 보입니다.',
  'fb.size': '텍스트 {n}개',
  'fb.byKeywords': ' · 키워드로 이름 붙임',
  'fb.keywords': '키워드: ',
  'fb.sentiment': '감성',
  'fb.mix': '긍정 {pos}, 부정 {neg}',
  'fb.positive': '긍정 {p}%',
  'fb.summary': '텍스트 {n}개에서 주제 {k}개',
  'fb.chosenK': ' (k = {k}, 실루엣 점수로 고름)',
  'fb.others': ', 작은 묶음의 텍스트 {n}개는 “기타”로 표시',
  'fb.done': '완료: 주제 {n}개.',
  'fb.sentimentDescriptions': ['매우 부정적인 고객 의견', '매우 긍정적인 고객 의견'],
  footer: '샘플 데이터: 네이버 영화 리뷰 말뭉치(NSMC, CC0 1.0), Movie Review polarity v1.0(Pang &amp; Lee, 2005, 연구용), '
    + 'BANKING77(Casanueva 외, 2020, CC-BY-4.0).',
  notices: '출처와 라이선스',
};

export const LANGUAGES = { en, ko };
let current = null; // set once by setLang() before the views are built
const listeners = new Set();

export const lang = () => current ?? 'en';

/** The string (or list) `key` in the current language, with `{name}` filled from `params`. */
export function t(key, params = {}) {
  const s = LANGUAGES[lang()][key] ?? en[key];
  if (s === undefined) throw new Error(`i18n: no string '${key}'`);
  if (typeof s !== 'string') return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Fills every data-i18n / data-i18n-html / data-i18n-attr element under `root`. */
export function applyStrings(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-html]')) el.innerHTML = t(el.dataset.i18nHtml);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
}

/** Called with (lang, previous) after the language changes and the marked strings are filled in. */
export const onLangChange = (fn) => listeners.add(fn);

/** Switches the UI language: the page's lang and title, every marked string, then the listeners. */
export function setLang(next) {
  if (!(next in LANGUAGES) || next === current) return;
  const previous = current;
  current = next;
  document.documentElement.lang = next;
  document.title = t('doc.title');
  applyStrings();
  for (const fn of listeners) fn(next, previous);
}

/** A language's value for `key`, whatever the current language (e.g. the defaults being replaced). */
export const stringIn = (language, key) => LANGUAGES[language][key] ?? en[key];
