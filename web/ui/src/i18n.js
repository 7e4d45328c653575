// The one catalogue of the page's words, in English and Arabic, and Intl
// formatting (numbers, dates, plurals) for the language in use. Every string
// the page shows comes from here; data values (place names the data gives
// only in English, actors, sources) are shown as they are and marked
// translate="no".

export const LANGS = ['en', 'ar'];

// A plural entry holds the forms Intl.PluralRules names for the language
// (English: one, other; Arabic: zero, one, two, few, many, other).
const en = {
  title: 'Badia incident map',
  subtitle: 'Attacks and casualties in the Syrian desert',
  skip: 'Skip to the map',
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
  allDates: 'All dates',
  play: 'Play through time',
  pause: 'Pause',
  eventType: 'Event type',
  victim: 'Victim group',
  any: 'Any',
  measure: 'Colour regions by',
  choropleth: 'Regions to colour',
  choroBadia: 'Badia regions',
  choroGovernorate: 'Governorates',
  classes: 'Colour classes',
  classesAdaptive: 'Fit this view',
  classesFixed: 'Fixed (compare views)',
  basemap: 'Online basemap (OpenStreetMap; needs internet)',
  reset: 'Clear filters',
  activeFilters: 'Active filters',
  noFilter: 'No filter: every incident',
  removeChip: 'Remove the filter {name}',
  chipDates: '{from} – {to}',
  chipSince: 'from {from}',
  chipUntil: 'until {to}',
  chipSearch: 'text “{q}”',
  chipMinKilled: 'at least {n} killed',
  chipBbox: 'map area',
  chipOther: '{name}: {value}',
  downloads: 'Download the incidents shown',
  download_geojson: 'GeoJSON',
  download_csv: 'CSV',
  download_kml: 'KML',
  downloadLabel: { one: 'Download 1 incident as {fmt}', other: 'Download {n} incidents as {fmt}' },
  table: 'Counts per region',
  tableCaption: '{kind} for the current filter, ordered by {measure}',
  tableRegion: 'Region',
  total: 'Total',
  legend: 'Legend',
  showLegend: 'Show the legend',
  hideLegend: 'Hide the legend',
  loading: 'Loading…',
  matched: { zero: 'No incident matches the filter', one: '1 incident matches the filter', other: '{n} incidents match the filter' },
  incidentsN: { one: '1 incident', other: '{n} incidents' },
  killedN: { one: '1 killed', other: '{n} killed' },
  span: '{from} – {to}',
  noSpan: 'no dates',
  tilesMode: 'Shown as vector tiles (large result)',
  markersMode: 'Shown as clustered markers',
  errorLoad: 'Could not load data: {msg}',
  errorParam: 'The filter “{param}” has a value the server does not accept (“{value}”), so it was left out.',
  errorNetwork: 'the server did not answer',
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
  credits: 'Data sources and licences',
  placesCredit: 'Place names: {n} places, {ar} with an Arabic name (the Badia anchor places); UCDP gives no Arabic names and the data names no governorate capital.',
  fitResults: 'Zoom to the incidents shown',
  zoomIn: 'Zoom in',
  zoomOut: 'Zoom out',
  closePopup: 'Close',
  clusterLabel: { one: '1 incident here; press Enter to zoom in', other: '{n} incidents here; press Enter to zoom in' },
  km: 'km',
  m: 'm',
  // search
  search: 'Search places, regions, incidents',
  searchLabel: 'Search for a place, a governorate, a Badia region or an incident',
  searchNone: 'Nothing found for “{q}”.',
  searchPlaces: 'Places and regions',
  searchIncidents: 'Incidents in the current filter',
  searchCount: { zero: 'No result', one: '1 result', other: '{n} results' },
  kind_town: 'town',
  kind_village: 'village',
  kind_suburb: 'suburb',
  kind_site: 'site',
  kind_governorate: 'governorate',
  kind_badia: 'Badia region',
  places: 'Place names',
  // timeline
  timeline: 'Timeline',
  timelineLabel: 'Incidents over time for the current filter; drag to choose dates',
  tlUnit: 'Bars of',
  tl_month: 'months',
  tl_week: 'weeks',
  tlMeasure: 'Count',
  tlBar: '{label}: {value}',
  tlSelected: 'Chosen: {from} – {to}',
  tlHint: 'Drag across the bars to choose dates; arrow keys move the choice, Shift+arrows widen it.',
  weekOf: 'week of {date}',
  // share, print, image
  share: 'Share',
  shareLabel: 'Copy the link to this view',
  shared: 'Link copied',
  shareFailed: 'Copy this link:',
  print: 'Print',
  printLabel: 'Print this view (A4 landscape)',
  image: 'Download image',
  imageLabel: 'Save the map as a PNG image',
  printFilter: 'Filter',
  printSpan: 'Dates',
  printTotals: 'On the map',
  printSources: 'Sources and licences',
  printMade: 'Printed on {date} from',
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
  // location precision (geo/precision.go) and the region tables' lines
  located: 'On the map',
  located_point: 'a point',
  located_district: 'a point with a ring: located to a district only, drawn at its centre',
  located_governorate: 'not drawn: located to the governorate only',
  located_country: 'not drawn: located to the country only',
  countedIn: 'Counted in',
  basis_point: '{gov}: its point lies in the governorate',
  basis_source_admin1: '{gov}: the source names the governorate (the point is only its centre)',
  basis_none: 'no governorate: located to the country only',
  noGovernorate: 'no governorate',
  howCounted: 'How precisely they are located',
  line_point: 'Located to within about 25 km',
  line_district: 'Located to a district only (drawn with a ring)',
  line_governorate: 'Located to the governorate only (not on the map)',
  line_left_out: 'Not counted here: in {gov}, but located only to a district or the governorate, so not placed in or out of the Badia',
  lineRow_left_out: 'Located only to a district or governorate: not placed in or out of the Badia',
  lineRow_outside_badia: 'Outside the Badia regions',
  lineRow_outside_governorate: 'Outside every governorate',
  lineRow_country: 'Located to Syria only, not on the map',
  lineRow_regions_badia: 'In the Badia regions',
  lineRow_regions_governorate: 'In the governorates',
  lineRow_all: 'Every incident of the filter',
  lineIncidents: { one: '1 incident', other: '{n} incidents' },
  notDrawn: { one: '1 not on the map (located to a governorate or the country only; counted in the table)', other: '{n} not on the map (located to a governorate or the country only; counted in the table)' },
  legendPrecision: 'Location',
  legendPoint: 'located to within about 25 km',
  legendRing: 'located to a district only: drawn at its centre',
  legendNotDrawn: 'located to a governorate or the country only: not drawn, counted in the table',
  // illustrative data
  illustrative: 'Illustrative',
  illustrativeTitle: 'Place and date made up to illustrate a published report (the demo set): not a real record',
  illustrativeBanner: { one: '1 incident on the map is illustrative: its place and date were made up to illustrate a published report (the demo set). It is not a real record.', other: '{n} incidents on the map are illustrative: their places and dates were made up to illustrate a published report (the demo set). They are not real records.' },
  hideIllustrative: 'Show real data only',
  downloadIllustrative: { one: 'Of these, 1 is illustrative: the files mark it (illustrative = true).', other: 'Of these, {n} are illustrative: the files mark them (illustrative = true).' },
  source: 'Source',
  chipSource: 'source {name}',
  chipPrecision: 'located at least to: {p}',
  chipRealOnly: 'real data only',
  chipIllustrativeOnly: 'illustrative only',
  // risk
  risk_title: 'Truffle-picking risk',
  risk_show: 'Show risk zones',
  risk_open: 'Risk',
  risk_openLabel: 'Open the truffle-picking risk box',
  risk_collapse: 'Fold the risk box',
  risk_date: 'Reference date',
  risk_counted: 'Incidents counted',
  risk_countAll: 'All incidents',
  risk_countMap: 'The map’s filter',
  risk_usesAll: 'Scored on every incident, whatever the map’s filter.',
  risk_usesMap: 'Scored only on the incidents of the map’s filter: {filter}.',
  risk_usesMapNone: 'Scored on the map’s filter, which is empty: every incident.',
  risk_legend: 'Risk level',
  risk_low: 'low', risk_moderate: 'moderate', risk_high: 'high', risk_severe: 'severe', risk_not_assessed: 'not assessed',
  risk_score: 'score',
  risk_rect: 'Check a rectangle', risk_poly: 'Check a polygon', risk_cancel: 'Cancel drawing',
  risk_drawRect: 'Click two opposite corners.',
  risk_drawPoly: 'Click the corners; click the first one (or double-click) to finish.',
  risk_geojson: 'Zones (GeoJSON)', risk_kml: 'Zones (KML)',
  risk_clickHint: 'Click the map to check a place.',
  risk_checkTitle: 'Risk here on {date}',
  risk_areaTitle: 'Risk over this area on {date}',
  risk_region: 'Badia region', risk_outside: 'outside the Badia',
  risk_season: 'in the truffle season', risk_offSeason: 'outside the truffle season',
  risk_reasons: 'Main reasons',
  risk_countsTitle: 'Incidents within 10 / 25 / 50 km',
  risk_days: { one: 'last day', other: 'last {n} days' },
  risk_highest: 'highest', risk_weighted: 'area-weighted', risk_cells: { one: '1 cell', other: '{n} cells' },
  risk_none: 'No incident counts here.', risk_checking: 'Checking…',
  risk_stale: 'Stale: {date} is {days} days after the latest incident ({latest}). The model sees nothing after that day: a low level here means no data, not safety.',
  risk_dateLatest: 'the day of the latest incident',
  risk_notAssessed: 'Not assessed: the model scores only the Badia, so it says nothing about this place (which does not make it safe).',
  risk_lowNotSafe: 'Low is not safe: in the held-out seasons, cells below moderate still held some of the next month’s incidents.',
  risk_meaning_low: 'score below {a}',
  risk_meaning_moderate: 'score {a} to below {b}',
  risk_meaning_high: 'score {a} to below {b}',
  risk_meaning_severe: 'score {a} or more',
  risk_leftOut: { one: '1 incident located too coarsely was left out.', other: '{n} incidents located too coarsely were left out.' },
  risk_kind_truffle_gatherers: 'attack on truffle gatherers',
  risk_kind_explosive: 'mine, IED or explosive remnant',
  risk_kind_civilians: 'attack on civilians',
  risk_kind_other: 'clash or attack',
  risk_reason: '{kind} on {date} ({age}), {dist} away: {victims}',
  risk_ageDays: { zero: 'the same day', one: '1 day before', other: '{n} days before' },
  risk_victims_killed: { zero: 'no one killed', one: '1 killed', other: '{n} killed' },
  risk_victims_killed_or_injured: { zero: 'no one killed or injured', one: '1 killed or injured', other: '{n} killed or injured' },
  risk_truffle: { one: '1 truffle gatherer', other: '{n} truffle gatherers' },
  // reports
  rep_title: 'Published reports', rep_pick: 'Report', rep_none: '— none —', rep_colourBy: 'Figure',
  rep_checks: 'Failed checks', rep_noChecks: 'No check fails.', rep_chart: 'Running totals over time',
  rep_csv: 'Download the series (CSV)', rep_enlarge: 'Enlarge chart', rep_shrink: 'Close', rep_total: 'Total (headline)',
  rep_noClaim: 'not stated', rep_published: 'published figure', rep_drop: 'below an earlier figure',
  rep_interpolated: 'date placed between dated snapshots', rep_asOf: 'as of {date}',
  rep_reconciled: '{m} of {n} figures match the incidents',
  rep_noSeries: 'No figures for this metric.', rep_loading: 'Loading…',
  rep_link: 'The report at its publisher',
  r_regional_sum: 'Regional lines vs headline', r_subset: 'Part larger than its whole', r_parts: 'Parts vs total killed',
  r_conflict: 'Two values for one figure', r_series_decrease: 'Running total went down',
  rc_regional_sum: 'the headline says {h} {metric}; the regional lines add up to {sum}',
  rc_regional_range: '{lo} to {hi}',
  rc_missing: '({regions} give no figure)',
  rc_subset: '{scope}: {p} {part} is more than the {w} {whole} it is part of',
  rc_parts: '{scope}: {parts} add up to {sum}, but killed is {k}',
  rc_conflict: '{scope}: {metric} is stated as {values} in different places',
  rc_series_decrease: '{scope}: {metric} is {now} here, below the {before} of an earlier snapshot',
  rc_total: 'the whole report',
  rc_list: '{a} and {b}',
  comma: ', ',
  rm_killed: 'killed', rm_operations: 'operations', rm_military: 'military', rm_militia: 'Iran-backed militia',
  rm_isis: 'ISIS', rm_other_armed: 'other armed', rm_civilians: 'civilians', rm_truffle_gatherers: 'truffle gatherers',
  rm_children: 'children', rm_women: 'women', rm_injured: 'injured', rm_abducted: 'abducted', rm_unknown: 'unknown',
};

const ar = {
  title: 'خريطة حوادث البادية',
  subtitle: 'الهجمات والضحايا في البادية السورية',
  skip: 'انتقل إلى الخريطة',
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
  allDates: 'كل التواريخ',
  play: 'تشغيل عبر الزمن',
  pause: 'إيقاف مؤقت',
  eventType: 'نوع الحدث',
  victim: 'فئة الضحايا',
  any: 'الكل',
  measure: 'تلوين المناطق حسب',
  choropleth: 'المناطق الملوّنة',
  choroBadia: 'مناطق البادية',
  choroGovernorate: 'المحافظات',
  classes: 'فئات الألوان',
  classesAdaptive: 'ملائمة لهذا العرض',
  classesFixed: 'ثابتة (للمقارنة بين العروض)',
  basemap: 'خريطة أساس على الإنترنت (أوبن ستريت ماب؛ تحتاج اتصالاً)',
  reset: 'مسح التصفية',
  activeFilters: 'التصفية المفعّلة',
  noFilter: 'بلا تصفية: كل الحوادث',
  removeChip: 'إزالة التصفية {name}',
  chipDates: '{from} – {to}',
  chipSince: 'من {from}',
  chipUntil: 'حتى {to}',
  chipSearch: 'النص «{q}»',
  chipMinKilled: '{n} قتلى على الأقل',
  chipBbox: 'منطقة من الخريطة',
  chipOther: '{name}: {value}',
  downloads: 'تنزيل الحوادث المعروضة',
  download_geojson: 'GeoJSON',
  download_csv: 'CSV',
  download_kml: 'KML',
  downloadLabel: {
    zero: 'لا حوادث للتنزيل بصيغة {fmt}', one: 'تنزيل حادثة واحدة بصيغة {fmt}', two: 'تنزيل حادثتين بصيغة {fmt}',
    few: 'تنزيل {n} حوادث بصيغة {fmt}', many: 'تنزيل {n} حادثة بصيغة {fmt}', other: 'تنزيل {n} حادثة بصيغة {fmt}',
  },
  table: 'الأعداد حسب المنطقة',
  tableCaption: '{kind} للتصفية الحالية، مرتبة حسب {measure}',
  tableRegion: 'المنطقة',
  total: 'المجموع',
  legend: 'مفتاح الخريطة',
  showLegend: 'إظهار مفتاح الخريطة',
  hideLegend: 'إخفاء مفتاح الخريطة',
  loading: 'جارٍ التحميل…',
  matched: {
    zero: 'لا توجد حادثة تطابق التصفية', one: 'حادثة واحدة تطابق التصفية', two: 'حادثتان تطابقان التصفية',
    few: '{n} حوادث تطابق التصفية', many: '{n} حادثة تطابق التصفية', other: '{n} حادثة تطابق التصفية',
  },
  incidentsN: { zero: 'لا حوادث', one: 'حادثة واحدة', two: 'حادثتان', few: '{n} حوادث', many: '{n} حادثة', other: '{n} حادثة' },
  killedN: { zero: 'لا قتلى', one: 'قتيل واحد', two: 'قتيلان', few: '{n} قتلى', many: '{n} قتيلاً', other: '{n} قتيل' },
  span: '{from} – {to}',
  noSpan: 'بلا تواريخ',
  tilesMode: 'معروضة كبلاطات متجهية (نتيجة كبيرة)',
  markersMode: 'معروضة كعلامات مجمّعة',
  errorLoad: 'تعذّر تحميل البيانات: {msg}',
  errorParam: 'للتصفية «{param}» قيمة لا يقبلها الخادم («{value}»)، فتُركت جانباً.',
  errorNetwork: 'لم يُجب الخادم',
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
  credits: 'مصادر البيانات وتراخيصها',
  placesCredit: 'أسماء الأماكن: {n} مكاناً، منها {ar} باسم عربي (أماكن البادية المرجعية)؛ لا يعطي برنامج أوبسالا لبيانات النزاعات أسماء عربية ولا تسمّي البيانات مراكز المحافظات.',
  fitResults: 'تكبير إلى الحوادث المعروضة',
  zoomIn: 'تكبير',
  zoomOut: 'تصغير',
  closePopup: 'إغلاق',
  clusterLabel: {
    zero: 'لا حوادث هنا', one: 'حادثة واحدة هنا؛ اضغط زر الإدخال للتكبير', two: 'حادثتان هنا؛ اضغط زر الإدخال للتكبير',
    few: '{n} حوادث هنا؛ اضغط زر الإدخال للتكبير', many: '{n} حادثة هنا؛ اضغط زر الإدخال للتكبير', other: '{n} حادثة هنا؛ اضغط زر الإدخال للتكبير',
  },
  km: 'كم',
  m: 'م',
  search: 'ابحث عن مكان أو منطقة أو حادثة',
  searchLabel: 'البحث عن مكان أو محافظة أو منطقة بادية أو حادثة',
  searchNone: 'لا نتائج لـ«{q}».',
  searchPlaces: 'الأماكن والمناطق',
  searchIncidents: 'حوادث التصفية الحالية',
  searchCount: { zero: 'لا نتائج', one: 'نتيجة واحدة', two: 'نتيجتان', few: '{n} نتائج', many: '{n} نتيجة', other: '{n} نتيجة' },
  kind_town: 'بلدة',
  kind_village: 'قرية',
  kind_suburb: 'حي',
  kind_site: 'موقع',
  kind_governorate: 'محافظة',
  kind_badia: 'منطقة بادية',
  places: 'أسماء الأماكن',
  timeline: 'الخط الزمني',
  timelineLabel: 'الحوادث عبر الزمن للتصفية الحالية؛ اسحب لاختيار التواريخ',
  tlUnit: 'الأعمدة',
  tl_month: 'أشهر',
  tl_week: 'أسابيع',
  tlMeasure: 'العدّ',
  tlBar: '{label}: {value}',
  tlSelected: 'المختار: {from} – {to}',
  tlHint: 'اسحب فوق الأعمدة لاختيار التواريخ؛ تنقل الأسهم الاختيار، وتوسّعه الأسهم مع مفتاح التبديل.',
  weekOf: 'أسبوع {date}',
  share: 'مشاركة',
  shareLabel: 'نسخ رابط هذا العرض',
  shared: 'نُسخ الرابط',
  shareFailed: 'انسخ هذا الرابط:',
  print: 'طباعة',
  printLabel: 'طباعة هذا العرض (A4 أفقي)',
  image: 'تنزيل صورة',
  imageLabel: 'حفظ الخريطة صورة PNG',
  printFilter: 'التصفية',
  printSpan: 'التواريخ',
  printTotals: 'على الخريطة',
  printSources: 'المصادر والتراخيص',
  printMade: 'طُبعت في {date} من',
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
  located: 'على الخريطة',
  located_point: 'نقطة',
  located_district: 'نقطة بحلقة: الموقع معروف على مستوى المنطقة الإدارية فقط، مرسومة في مركزها',
  located_governorate: 'غير مرسومة: الموقع معروف على مستوى المحافظة فقط',
  located_country: 'غير مرسومة: الموقع معروف على مستوى البلد فقط',
  countedIn: 'محسوبة في',
  basis_point: '{gov}: نقطتها داخل المحافظة',
  basis_source_admin1: '{gov}: يسمّي المصدر المحافظة (والنقطة مركزها فقط)',
  basis_none: 'لا محافظة: الموقع معروف على مستوى البلد فقط',
  noGovernorate: 'لا محافظة',
  howCounted: 'دقة تحديد مواقعها',
  line_point: 'موقعها معروف في نطاق ٢٥ كم تقريباً',
  line_district: 'موقعها معروف على مستوى المنطقة الإدارية فقط (مرسومة بحلقة)',
  line_governorate: 'موقعها معروف على مستوى المحافظة فقط (غير مرسومة)',
  line_left_out: 'غير محسوبة هنا: في {gov}، لكن موقعها معروف على مستوى المنطقة الإدارية أو المحافظة فقط، فلا يُعرف أهي داخل البادية أم خارجها',
  lineRow_left_out: 'موقعها معروف على مستوى المنطقة الإدارية أو المحافظة فقط: لا يُعرف أهي داخل البادية أم خارجها',
  lineRow_outside_badia: 'خارج مناطق البادية',
  lineRow_outside_governorate: 'خارج كل المحافظات',
  lineRow_country: 'موقعها معروف على مستوى سوريا فقط، غير مرسومة',
  lineRow_regions_badia: 'في مناطق البادية',
  lineRow_regions_governorate: 'في المحافظات',
  lineRow_all: 'كل حوادث التصفية',
  lineIncidents: { zero: 'لا حوادث', one: 'حادثة واحدة', two: 'حادثتان', few: '{n} حوادث', many: '{n} حادثة', other: '{n} حادثة' },
  notDrawn: {
    zero: 'كل الحوادث مرسومة', one: 'حادثة واحدة غير مرسومة (موقعها معروف على مستوى المحافظة أو البلد فقط؛ محسوبة في الجدول)',
    two: 'حادثتان غير مرسومتين (موقعهما معروف على مستوى المحافظة أو البلد فقط؛ محسوبتان في الجدول)',
    few: '{n} حوادث غير مرسومة (مواقعها معروفة على مستوى المحافظة أو البلد فقط؛ محسوبة في الجدول)',
    many: '{n} حادثة غير مرسومة (مواقعها معروفة على مستوى المحافظة أو البلد فقط؛ محسوبة في الجدول)',
    other: '{n} حادثة غير مرسومة (مواقعها معروفة على مستوى المحافظة أو البلد فقط؛ محسوبة في الجدول)',
  },
  legendPrecision: 'الموقع',
  legendPoint: 'معروف في نطاق ٢٥ كم تقريباً',
  legendRing: 'معروف على مستوى المنطقة الإدارية فقط: مرسوم في مركزها',
  legendNotDrawn: 'معروف على مستوى المحافظة أو البلد فقط: غير مرسوم، محسوب في الجدول',
  illustrative: 'توضيحية',
  illustrativeTitle: 'مكان وتاريخ مختلقان لتوضيح تقرير منشور (مجموعة العرض): ليست سجلاً حقيقياً',
  illustrativeBanner: {
    zero: 'لا حوادث توضيحية على الخريطة.',
    one: 'حادثة واحدة على الخريطة توضيحية: مكانها وتاريخها مختلقان لتوضيح تقرير منشور (مجموعة العرض). ليست سجلاً حقيقياً.',
    two: 'حادثتان على الخريطة توضيحيتان: مكانهما وتاريخهما مختلقان لتوضيح تقرير منشور (مجموعة العرض). ليستا سجلين حقيقيين.',
    few: '{n} حوادث على الخريطة توضيحية: أماكنها وتواريخها مختلقة لتوضيح تقرير منشور (مجموعة العرض). ليست سجلات حقيقية.',
    many: '{n} حادثة على الخريطة توضيحية: أماكنها وتواريخها مختلقة لتوضيح تقرير منشور (مجموعة العرض). ليست سجلات حقيقية.',
    other: '{n} حادثة على الخريطة توضيحية: أماكنها وتواريخها مختلقة لتوضيح تقرير منشور (مجموعة العرض). ليست سجلات حقيقية.',
  },
  hideIllustrative: 'عرض البيانات الحقيقية فقط',
  downloadIllustrative: {
    zero: 'لا حوادث توضيحية بينها.', one: 'منها حادثة واحدة توضيحية: تعلّمها الملفات (illustrative = true).',
    two: 'منها حادثتان توضيحيتان: تعلّمهما الملفات (illustrative = true).', few: 'منها {n} حوادث توضيحية: تعلّمها الملفات (illustrative = true).',
    many: 'منها {n} حادثة توضيحية: تعلّمها الملفات (illustrative = true).', other: 'منها {n} حادثة توضيحية: تعلّمها الملفات (illustrative = true).',
  },
  source: 'المصدر',
  chipSource: 'المصدر {name}',
  chipPrecision: 'الموقع معروف على الأقل: {p}',
  chipRealOnly: 'البيانات الحقيقية فقط',
  chipIllustrativeOnly: 'التوضيحية فقط',
  risk_title: 'خطر جمع الكمأة',
  risk_show: 'عرض مناطق الخطر',
  risk_open: 'الخطر',
  risk_openLabel: 'فتح مربع خطر جمع الكمأة',
  risk_collapse: 'طيّ مربع الخطر',
  risk_date: 'التاريخ المرجعي',
  risk_counted: 'الحوادث المحسوبة',
  risk_countAll: 'كل الحوادث',
  risk_countMap: 'تصفية الخريطة',
  risk_usesAll: 'محسوب على كل الحوادث، أياً كانت تصفية الخريطة.',
  risk_usesMap: 'محسوب على حوادث تصفية الخريطة فقط: {filter}.',
  risk_usesMapNone: 'محسوب على تصفية الخريطة، وهي فارغة: كل الحوادث.',
  risk_legend: 'مستوى الخطر',
  risk_low: 'منخفض', risk_moderate: 'متوسط', risk_high: 'مرتفع', risk_severe: 'شديد', risk_not_assessed: 'غير مُقيَّم',
  risk_score: 'الدرجة',
  risk_rect: 'فحص مستطيل', risk_poly: 'فحص مضلع', risk_cancel: 'إلغاء الرسم',
  risk_drawRect: 'انقر زاويتين متقابلتين.',
  risk_drawPoly: 'انقر الزوايا؛ انقر الأولى (أو انقر مرتين) للإنهاء.',
  risk_geojson: 'المناطق (GeoJSON)', risk_kml: 'المناطق (KML)',
  risk_clickHint: 'انقر على الخريطة لفحص مكان.',
  risk_checkTitle: 'الخطر هنا في {date}',
  risk_areaTitle: 'الخطر في هذه المنطقة في {date}',
  risk_region: 'منطقة البادية', risk_outside: 'خارج البادية',
  risk_season: 'ضمن موسم الكمأة', risk_offSeason: 'خارج موسم الكمأة',
  risk_reasons: 'أهم الأسباب',
  risk_countsTitle: 'الحوادث ضمن ١٠ / ٢٥ / ٥٠ كم',
  risk_days: { zero: 'اليوم', one: 'آخر يوم', two: 'آخر يومين', few: 'آخر {n} أيام', many: 'آخر {n} يوماً', other: 'آخر {n} يوم' },
  risk_highest: 'الأعلى', risk_weighted: 'المرجّح بالمساحة',
  risk_cells: { zero: 'لا خلايا', one: 'خلية واحدة', two: 'خليتان', few: '{n} خلايا', many: '{n} خلية', other: '{n} خلية' },
  risk_none: 'لا حوادث محسوبة هنا.', risk_checking: 'جارٍ الفحص…',
  risk_stale: 'قديم: {date} بعد آخر حادثة ({latest}) بـ{days} يوماً. لا يرى النموذج شيئاً بعد ذلك اليوم: المستوى المنخفض هنا يعني غياب البيانات لا الأمان.',
  risk_dateLatest: 'يوم آخر حادثة',
  risk_notAssessed: 'غير مُقيَّم: لا يحسب النموذج إلا البادية، فلا يقول شيئاً عن هذا المكان (وهذا لا يجعله آمناً).',
  risk_lowNotSafe: 'المنخفض ليس آمناً: في المواسم المحجوزة للاختبار وقعت بعض حوادث الشهر التالي في خلايا دون المتوسط.',
  risk_meaning_low: 'درجة أقل من {a}',
  risk_meaning_moderate: 'درجة من {a} إلى أقل من {b}',
  risk_meaning_high: 'درجة من {a} إلى أقل من {b}',
  risk_meaning_severe: 'درجة {a} أو أكثر',
  risk_leftOut: {
    zero: 'لم تُستبعد أي حادثة.', one: 'استُبعدت حادثة واحدة موقعها غير دقيق.', two: 'استُبعدت حادثتان موقعهما غير دقيق.',
    few: 'استُبعدت {n} حوادث مواقعها غير دقيقة.', many: 'استُبعدت {n} حادثة مواقعها غير دقيقة.', other: 'استُبعدت {n} حادثة مواقعها غير دقيقة.',
  },
  risk_kind_truffle_gatherers: 'هجوم على جامعي الكمأة',
  risk_kind_explosive: 'لغم أو عبوة ناسفة أو مخلّفات متفجرة',
  risk_kind_civilians: 'هجوم على مدنيين',
  risk_kind_other: 'اشتباك أو هجوم',
  risk_reason: '{kind} في {date} ({age})، على بعد {dist}: {victims}',
  risk_ageDays: { zero: 'في اليوم نفسه', one: 'قبل يوم', two: 'قبل يومين', few: 'قبل {n} أيام', many: 'قبل {n} يوماً', other: 'قبل {n} يوم' },
  risk_victims_killed: { zero: 'لا قتلى', one: 'قتيل واحد', two: 'قتيلان', few: '{n} قتلى', many: '{n} قتيلاً', other: '{n} قتيل' },
  risk_victims_killed_or_injured: {
    zero: 'لا قتلى ولا جرحى', one: 'قتيل أو جريح واحد', two: 'قتيلان أو جريحان', few: '{n} بين قتيل وجريح',
    many: '{n} بين قتيل وجريح', other: '{n} بين قتيل وجريح',
  },
  risk_truffle: { zero: 'لا جامعي كمأة', one: 'جامع كمأة واحد', two: 'جامعا كمأة', few: '{n} من جامعي الكمأة', many: '{n} من جامعي الكمأة', other: '{n} من جامعي الكمأة' },
  rep_title: 'التقارير المنشورة', rep_pick: 'التقرير', rep_none: '— لا شيء —', rep_colourBy: 'الرقم',
  rep_checks: 'تدقيقات لم تتحقق', rep_noChecks: 'لا يوجد تعارض.', rep_chart: 'الحصائل التراكمية عبر الزمن',
  rep_csv: 'تنزيل السلسلة (CSV)', rep_enlarge: 'تكبير الرسم', rep_shrink: 'إغلاق', rep_total: 'المجموع (العنوان)',
  rep_noClaim: 'غير مذكور', rep_published: 'رقم منشور', rep_drop: 'أقل من رقم سابق',
  rep_interpolated: 'تاريخ مقدّر بين لقطتين مؤرختين', rep_asOf: 'حتى {date}',
  rep_reconciled: '{m} من {n} أرقام تطابق الحوادث',
  rep_noSeries: 'لا أرقام لهذا المؤشر.', rep_loading: 'جارٍ التحميل…',
  rep_link: 'التقرير لدى ناشره',
  r_regional_sum: 'الأرقام الإقليمية مقابل العنوان', r_subset: 'جزء أكبر من الكل', r_parts: 'الأجزاء مقابل مجموع القتلى',
  r_conflict: 'قيمتان لرقم واحد', r_series_decrease: 'انخفاض في حصيلة تراكمية',
  rc_regional_sum: 'يذكر العنوان {h} ({metric})؛ ومجموع الأرقام الإقليمية {sum}',
  rc_regional_range: 'من {lo} إلى {hi}',
  rc_missing: '(لا رقم لـ{regions})',
  rc_subset: '{scope}: {p} ({part}) أكثر من {w} ({whole}) وهم جزء منهم',
  rc_parts: '{scope}: مجموع {parts} هو {sum}، لكن عدد القتلى {k}',
  rc_conflict: '{scope}: يُذكر رقم {metric} بقيم مختلفة في مواضع مختلفة: {values}',
  rc_series_decrease: '{scope}: رقم {metric} هنا {now}، أقل من {before} في لقطة سابقة',
  rc_total: 'التقرير كله',
  rc_list: '{a} و{b}',
  comma: '، ',
  rm_killed: 'القتلى', rm_operations: 'العمليات', rm_military: 'العسكريون', rm_militia: 'الميليشيات الموالية لإيران',
  rm_isis: 'التنظيم', rm_other_armed: 'مسلحون آخرون', rm_civilians: 'المدنيون', rm_truffle_gatherers: 'جامعو الكمأة',
  rm_children: 'الأطفال', rm_women: 'النساء', rm_injured: 'الجرحى', rm_abducted: 'المختطفون', rm_unknown: 'غير معروفين',
};

// ACLED event and sub-event types (the taxonomy the data uses), in Arabic.
const typesAR = {
  Battles: 'معارك',
  'Explosions/Remote violence': 'انفجارات/عنف عن بعد',
  'Violence against civilians': 'عنف ضد المدنيين',
  Protests: 'احتجاجات',
  Riots: 'أعمال شغب',
  'Strategic developments': 'تطورات استراتيجية',
  'Armed clash': 'اشتباك مسلح',
  'Government regains territory': 'استعادة الحكومة لأراضٍ',
  'Non-state actor overtakes territory': 'سيطرة جهة غير حكومية على أراضٍ',
  'Chemical weapon': 'سلاح كيميائي',
  'Air/drone strike': 'غارة جوية أو بطائرة مسيّرة',
  'Suicide bomb': 'تفجير انتحاري',
  'Shelling/artillery/missile attack': 'قصف مدفعي أو صاروخي',
  'Remote explosive/landmine/IED': 'عبوة ناسفة أو لغم أو تفجير عن بعد',
  Grenade: 'قنبلة يدوية',
  'Sexual violence': 'عنف جنسي',
  Attack: 'هجوم',
  'Abduction/forced disappearance': 'اختطاف أو إخفاء قسري',
  'Excessive force against protesters': 'قوة مفرطة ضد المحتجين',
  'Protest with intervention': 'احتجاج مع تدخل',
  'Peaceful protest': 'احتجاج سلمي',
  'Violent demonstration': 'مظاهرة عنيفة',
  'Mob violence': 'عنف جماعي',
  Agreement: 'اتفاق',
  Arrests: 'اعتقالات',
  'Change to group/activity': 'تغيّر في جماعة أو نشاط',
  'Disrupted weapons use': 'إحباط استخدام أسلحة',
  'Headquarters or base established': 'إنشاء مقر أو قاعدة',
  'Looting/property destruction': 'نهب أو تدمير ممتلكات',
  'Non-violent transfer of territory': 'انتقال أراضٍ دون عنف',
  Other: 'أخرى',
};

// The actors (perpetrators and targets) the demo and the UCDP file name
// most, in Arabic; any other actor is shown as the data gives it.
const actorsAR = {
  'Islamic State (ISIS) cells': 'خلايا تنظيم الدولة الإسلامية (داعش)',
  'Syrian regime forces': 'قوات النظام السوري',
  'National Defence Forces (NDF)': 'قوات الدفاع الوطني',
  'Civilians (truffle gatherers)': 'مدنيون (جامعو الكمأة)',
  'Syrian regime forces and Iran-backed militia': 'قوات النظام السوري والميليشيات الموالية لإيران',
  'Iran-backed militia': 'الميليشيات الموالية لإيران',
  'Government of Syria': 'الحكومة السورية',
  IS: 'تنظيم الدولة الإسلامية',
  'Syrian insurgents': 'فصائل المعارضة السورية المسلحة',
  SDF: 'قوات سوريا الديمقراطية',
  Civilians: 'مدنيون',
  HTS: 'هيئة تحرير الشام',
  SNA: 'الجيش الوطني السوري',
};

const dicts = { en, ar };

let lang = 'en';
// The locale Intl formats with: Syrian Arabic writes Arabic-Indic digits.
const INTL_LOCALE = { en: 'en', ar: 'ar-SY' };
export function intlLocale() {
  return INTL_LOCALE[lang];
}

const listeners = [];
// onLangChange calls fn after every change of language, in the order added.
export function onLangChange(fn) {
  listeners.push(fn);
}

export function setLang(l) {
  const next = LANGS.includes(l) ? l : 'en';
  const changed = next !== lang;
  lang = next;
  if (changed) for (const fn of listeners) fn(lang);
}

export function getLang() {
  return lang;
}

export function dir() {
  return lang === 'ar' ? 'rtl' : 'ltr';
}

function fill(s, vars) {
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

// t returns the label for key, with {name} placeholders filled from vars.
export function t(key, vars = {}) {
  const s = dicts[lang][key] ?? en[key] ?? key;
  if (typeof s === 'object') return tn(key, vars.n ?? 0, vars);
  return fill(s, vars);
}

const pluralRules = {};
// tn returns the plural form of key for the count n, {n} formatted in the
// language's digits.
export function tn(key, n, vars = {}) {
  const forms = dicts[lang][key] ?? en[key];
  if (typeof forms === 'string') return fill(forms, { ...vars, n: fmtNumber(n) });
  pluralRules[lang] ??= new Intl.PluralRules(intlLocale());
  const cat = pluralRules[lang].select(n);
  const s = forms[cat] ?? forms.other;
  return fill(s, { ...vars, n: fmtNumber(n) });
}

export function has(key) {
  return key in dicts[lang] || key in en;
}

export function eventTypeLabel(type) {
  if (lang === 'ar' && typesAR[type]) return typesAR[type];
  return type;
}

// translated reports whether a data value (event type, actor) has an Arabic form.
export function translated(value) {
  return lang !== 'ar' || Boolean(typesAR[value] || actorsAR[value]);
}

export function actorLabel(actor) {
  if (lang === 'ar' && actorsAR[actor]) return actorsAR[actor];
  return actor;
}

export function regionName(props) {
  if (!props) return '';
  const name = lang === 'ar' ? props.name_ar || props.name_en : props.name_en || props.name_ar;
  return name || props.code || '';
}

const numberFormats = {};
export function fmtNumber(n, opts) {
  if (opts) return new Intl.NumberFormat(intlLocale(), opts).format(n ?? 0);
  numberFormats[lang] ??= new Intl.NumberFormat(intlLocale());
  return numberFormats[lang].format(n ?? 0);
}

const dateFormats = {};
// Dates on the wire are calendar days (YYYY-MM-DD); format them as UTC so a
// day never shifts with the viewer's time zone.
export function fmtDate(iso, style = 'medium') {
  if (!iso) return '';
  const d = new Date(iso.length === 10 ? iso + 'T00:00:00Z' : iso);
  if (Number.isNaN(d.getTime())) return iso;
  const k = `${lang}|${style}`;
  dateFormats[k] ??= new Intl.DateTimeFormat(intlLocale(), { dateStyle: style, timeZone: 'UTC' });
  return dateFormats[k].format(d);
}

// fmtDateParts formats a date (ms since the epoch or YYYY-MM-DD) with Intl options.
export function fmtDateParts(v, opts) {
  const d = typeof v === 'string' ? new Date(v + 'T00:00:00Z') : new Date(v);
  return new Intl.DateTimeFormat(intlLocale(), { ...opts, timeZone: 'UTC' }).format(d);
}

export function fmtMonth(ym) {
  return fmtDateParts(ym + '-01', { year: 'numeric', month: 'long' });
}

// applyLabels fills every element marked data-i18n (text), data-i18n-label
// (aria-label) and data-i18n-title (title) under root.
export function applyLabels(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}

// missingKeys lists the keys of the English catalogue the Arabic one lacks.
export function missingKeys() {
  return Object.keys(en).filter((k) => !(k in ar));
}
