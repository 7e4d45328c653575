// Every label of the page in English and Arabic, and Intl formatting for the
// language in use.

export const LANGS = ['en', 'ar'];

const en = {
  title: 'Badia incident map',
  subtitle: 'Attacks and casualties in the Syrian desert',
  skip: 'Skip to the map',
  language: 'Language',
  switchLang: 'العربية',
  switchLangLabel: 'Switch to Arabic',
  filters: 'Filters',
  showFilters: 'Show filters',
  hideFilters: 'Hide filters',
  governorate: 'Governorate',
  governorateHelp: 'Tick one or more; none means all.',
  region: 'Badia region',
  regionHelp: 'Tick one or more; none means all.',
  dates: 'Dates',
  from: 'From',
  to: 'To',
  timeSlider: 'Month',
  play: 'Play through time',
  pause: 'Pause',
  allDates: 'All dates',
  eventType: 'Event type',
  victim: 'Victim group',
  any: 'Any',
  measure: 'Colour regions by',
  choropleth: 'Regions to colour',
  choroBadia: 'Badia regions',
  choroGovernorate: 'Governorates',
  basemap: 'Online basemap (OpenStreetMap; needs internet)',
  reset: 'Clear filters',
  downloads: 'Download the incidents shown',
  download_geojson: 'GeoJSON',
  download_csv: 'CSV',
  download_kml: 'KML',
  downloadLabel: 'Download {n} incidents as {fmt}',
  table: 'Counts per region',
  tableCaption: '{kind} for the current filter, ordered by {measure}',
  tableRegion: 'Region',
  total: 'Total',
  legend: 'Legend',
  legendNone: 'none',
  loading: 'Loading…',
  matched: '{n} incidents match the filter',
  matchedOne: '1 incident matches the filter',
  matchedNone: 'No incident matches the filter',
  tilesMode: 'Shown as vector tiles (large result)',
  markersMode: 'Shown as clustered markers',
  errorLoad: 'Could not load data: {msg}',
  incident: 'Incident',
  date: 'Date',
  precision: 'precision',
  place: 'Place',
  type: 'Type',
  perpetrator: 'Perpetrator',
  target: 'Target',
  casualties: 'Casualties',
  noCasualties: 'none reported',
  sources: 'Sources',
  notes: 'Notes',
  firstDate: 'First',
  lastDate: 'Last',
  regionTotals: 'Totals for the current filter',
  zoomTo: 'Show {name} on the map',
  mapLabel: 'Map of incidents and regions',
  attribution: 'Boundaries: OCHA COD-AB',
  credits: 'Data sources and licences',
  fitResults: 'Zoom to the incidents shown',
  clusterLabel: '{n} incidents here; press Enter to zoom in',
  // measures and casualty groups
  m_operations: 'Operations',
  m_killed: 'Killed',
  m_military: 'Military killed',
  m_militia: 'of which militia',
  m_isis: 'ISIS killed',
  m_other_armed: 'Other armed killed',
  m_civilians: 'Civilians killed',
  m_children: 'Children killed',
  m_women: 'Women killed',
  m_truffle_gatherers: 'Truffle gatherers killed',
  m_unknown: 'Killed, group unknown',
  m_injured: 'Injured',
  m_abducted: 'Abducted',
  // victim filter values
  v_military: 'Military',
  v_militia: 'Militia',
  v_isis: 'ISIS',
  v_civilians: 'Civilians',
  v_children: 'Children',
  v_women: 'Women',
  v_truffle_gatherers: 'Truffle gatherers',
  // UCDP date_prec and where_prec
  dp_1: 'exact day',
  dp_2: 'within 2–6 days',
  dp_3: 'within a week',
  dp_4: 'within a month',
  dp_5: 'longer than a month',
  gp_1: 'exact place',
  gp_2: 'within about 25 km',
  gp_3: 'district',
  gp_4: 'governorate',
  gp_5: 'road, river or area',
  gp_6: 'country',
  gp_7: 'outside any country',
};

const ar = {
  title: 'خريطة حوادث البادية',
  subtitle: 'الهجمات والضحايا في البادية السورية',
  skip: 'انتقل إلى الخريطة',
  language: 'اللغة',
  switchLang: 'English',
  switchLangLabel: 'التبديل إلى الإنكليزية',
  filters: 'التصفية',
  showFilters: 'إظهار التصفية',
  hideFilters: 'إخفاء التصفية',
  governorate: 'المحافظة',
  governorateHelp: 'اختر واحدة أو أكثر؛ بلا اختيار تعني الكل.',
  region: 'منطقة البادية',
  regionHelp: 'اختر واحدة أو أكثر؛ بلا اختيار تعني الكل.',
  dates: 'التواريخ',
  from: 'من',
  to: 'إلى',
  timeSlider: 'الشهر',
  play: 'تشغيل عبر الزمن',
  pause: 'إيقاف مؤقت',
  allDates: 'كل التواريخ',
  eventType: 'نوع الحدث',
  victim: 'فئة الضحايا',
  any: 'الكل',
  measure: 'تلوين المناطق حسب',
  choropleth: 'المناطق الملوّنة',
  choroBadia: 'مناطق البادية',
  choroGovernorate: 'المحافظات',
  basemap: 'خريطة أساس على الإنترنت (OpenStreetMap)',
  reset: 'مسح التصفية',
  downloads: 'تنزيل الحوادث المعروضة',
  download_geojson: 'GeoJSON',
  download_csv: 'CSV',
  download_kml: 'KML',
  downloadLabel: 'تنزيل {n} حادثة بصيغة {fmt}',
  table: 'الأعداد حسب المنطقة',
  tableCaption: '{kind} للتصفية الحالية، مرتبة حسب {measure}',
  tableRegion: 'المنطقة',
  total: 'المجموع',
  legend: 'مفتاح الخريطة',
  legendNone: 'لا شيء',
  loading: 'جار التحميل…',
  matched: '{n} حادثة تطابق التصفية',
  matchedOne: 'حادثة واحدة تطابق التصفية',
  matchedNone: 'لا توجد حادثة تطابق التصفية',
  tilesMode: 'معروضة كبلاطات متجهية (نتيجة كبيرة)',
  markersMode: 'معروضة كعلامات مجمّعة',
  errorLoad: 'تعذّر تحميل البيانات: {msg}',
  incident: 'حادثة',
  date: 'التاريخ',
  precision: 'الدقة',
  place: 'المكان',
  type: 'النوع',
  perpetrator: 'المنفّذ',
  target: 'المستهدف',
  casualties: 'الضحايا',
  noCasualties: 'لم يُبلَّغ عن ضحايا',
  sources: 'المصادر',
  notes: 'ملاحظات',
  firstDate: 'الأول',
  lastDate: 'الأخير',
  regionTotals: 'المجاميع للتصفية الحالية',
  zoomTo: 'عرض {name} على الخريطة',
  mapLabel: 'خريطة الحوادث والمناطق',
  attribution: 'الحدود: OCHA COD-AB',
  credits: 'مصادر البيانات وتراخيصها',
  fitResults: 'تكبير إلى الحوادث المعروضة',
  clusterLabel: '{n} حادثة هنا؛ اضغط Enter للتكبير',
  m_operations: 'العمليات',
  m_killed: 'القتلى',
  m_military: 'قتلى العسكريين',
  m_militia: 'منهم من الميليشيات',
  m_isis: 'قتلى تنظيم داعش',
  m_other_armed: 'قتلى مجموعات مسلحة أخرى',
  m_civilians: 'قتلى المدنيين',
  m_children: 'قتلى الأطفال',
  m_women: 'قتلى النساء',
  m_truffle_gatherers: 'قتلى جامعي الكمأة',
  m_unknown: 'قتلى غير معروفي الفئة',
  m_injured: 'الجرحى',
  m_abducted: 'المختطفون',
  v_military: 'العسكريون',
  v_militia: 'الميليشيات',
  v_isis: 'تنظيم داعش',
  v_civilians: 'المدنيون',
  v_children: 'الأطفال',
  v_women: 'النساء',
  v_truffle_gatherers: 'جامعو الكمأة',
  dp_1: 'اليوم بالضبط',
  dp_2: 'خلال ٢–٦ أيام',
  dp_3: 'خلال أسبوع',
  dp_4: 'خلال شهر',
  dp_5: 'أكثر من شهر',
  gp_1: 'المكان بالضبط',
  gp_2: 'في نطاق ٢٥ كم تقريباً',
  gp_3: 'المنطقة الإدارية',
  gp_4: 'المحافظة',
  gp_5: 'طريق أو نهر أو منطقة',
  gp_6: 'البلد',
  gp_7: 'خارج أي بلد',
};

// ACLED event types (the taxonomy the data uses), in Arabic.
const eventTypesAR = {
  Battles: 'معارك',
  'Explosions/Remote violence': 'انفجارات/عنف عن بعد',
  'Violence against civilians': 'عنف ضد المدنيين',
  Protests: 'احتجاجات',
  Riots: 'أعمال شغب',
  'Strategic developments': 'تطورات استراتيجية',
};

const dicts = { en, ar };

let lang = 'en';
// The locale Intl formats with: Syrian Arabic writes Arabic-Indic digits.
const INTL_LOCALE = { en: 'en', ar: 'ar-SY' };
export function intlLocale() {
  return INTL_LOCALE[lang];
}

export function setLang(l) {
  lang = LANGS.includes(l) ? l : 'en';
}

export function getLang() {
  return lang;
}

export function dir() {
  return lang === 'ar' ? 'rtl' : 'ltr';
}

// t returns the label for key, with {name} placeholders filled from vars.
export function t(key, vars = {}) {
  const s = dicts[lang][key] ?? en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

export function eventTypeLabel(type) {
  if (lang === 'ar' && eventTypesAR[type]) return eventTypesAR[type];
  return type;
}

export function regionName(props) {
  if (!props) return '';
  const name = lang === 'ar' ? props.name_ar || props.name_en : props.name_en || props.name_ar;
  return name || props.code || '';
}

const numberFormats = {};
export function fmtNumber(n) {
  numberFormats[lang] ??= new Intl.NumberFormat(intlLocale());
  return numberFormats[lang].format(n ?? 0);
}

// Dates on the wire are calendar days (YYYY-MM-DD); format them as UTC so a
// day never shifts with the viewer's time zone.
export function fmtDate(iso, style = 'medium') {
  if (!iso) return '';
  const d = new Date(iso.length === 10 ? iso + 'T00:00:00Z' : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: style, timeZone: 'UTC' }).format(d);
}

export function fmtMonth(ym) {
  const d = new Date(ym + '-01T00:00:00Z');
  return new Intl.DateTimeFormat(intlLocale(), { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(d);
}

// applyLabels fills every element marked data-i18n (text), data-i18n-label
// (aria-label) and data-i18n-title (title) under root.
export function applyLabels(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}
