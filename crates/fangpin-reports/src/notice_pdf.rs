//! 村级公示 as a printable PDF: A4 portrait, typeset by typst used as a library.
//!
//! The notice shows only what the law lets a notice show (个人信息保护法): the head's name, the
//! group, the household's size, the category and the identity number already masked to its first
//! 6 and last 4 digits (see [`crate::publicity::mask_id`]). [`render`] refuses a row holding a run
//! of 7 or more digits, so a full identity number or a phone number that slipped into a row never
//! reaches paper.
//!
//! The text is set in Noto Sans CJK from the system (Debian's `fonts-noto-cjk`); nothing is
//! fetched at run time and no font ships with the program. The notice's data reaches typst as a
//! JSON file of its own, never spliced into the markup, so a name is always printed as text.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};
use typst_pdf::{PdfOptions, Timestamp};

use crate::national::ReportError;

/// One household on the notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    /// The head of the household's name (户主姓名).
    pub head_name: String,
    /// The group (组) within the village.
    pub group: String,
    /// How many people live in the household (家庭人口).
    pub household_size: u32,
    /// The category (监测对象类别, or the 风险消除 method).
    pub category: String,
    /// The head's identity number, already masked (`530325********1234`).
    pub id_masked: String,
}

/// A 村级公示 notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The title (防止返贫监测对象识别村级公示, 防止返贫监测对象风险消除村级公示).
    pub title: String,
    /// The village's name (大坪村).
    pub village: String,
    /// The township's name (某某镇).
    pub township: String,
    /// The households, in the order they are listed.
    pub rows: Vec<NoticeRow>,
    /// The first day of the notice period.
    pub from: NaiveDate,
    /// The last day of the notice period.
    pub to: NaiveDate,
    /// Where to raise an objection (村委会, 镇人民政府 …).
    pub place: String,
    /// The day the notice was made, printed under the committee's name.
    pub made_on: NaiveDate,
}

/// The fonts [`render`] sets the notice in: Debian's `fonts-noto-cjk`, regular and bold.
pub const DEFAULT_FONT_FILES: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
];

/// The family the notice asks for first (simplified Chinese glyph forms).
pub const FONT_FAMILY: &str = "Noto Sans CJK SC";

/// The longest run of digits a row may hold: a masked identity number shows 6 in a row.
const MAX_DIGIT_RUN: usize = 6;

/// Renders the notice as a PDF, set in [`DEFAULT_FONT_FILES`] (loaded once per process).
///
/// Fails with [`ReportError::Source`] when a row holds 7 or more digits in a row (a full
/// identity number or a phone number), when the period ends before it starts, when the fonts
/// are missing (install `fonts-noto-cjk`), or when typesetting fails.
pub fn render(notice: &Notice) -> Result<Vec<u8>, ReportError> {
    check(notice)?;
    render_checked(notice, default_fonts()?)
}

/// Renders the notice as a PDF, set in the given font files (TrueType/OpenType fonts or
/// collections). [`FONT_FAMILY`] is used when one of the files has it, else a family whose name
/// ends in ` SC` (simplified Chinese forms), else the first font's family. Same checks as
/// [`render`].
pub fn render_with_fonts(notice: &Notice, files: &[&Path]) -> Result<Vec<u8>, ReportError> {
    check(notice)?;
    let fonts = FontSet::load(files)?;
    render_checked(notice, &fonts)
}

/// The longest run of consecutive digits (ASCII or full-width) in `s`.
fn longest_digit_run(s: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// The last guard before paper: no row may carry a full identity number or a phone number.
/// The message names the row and the field, never the digits.
fn check(notice: &Notice) -> Result<(), ReportError> {
    if notice.to < notice.from {
        return Err(ReportError::Source(format!(
            "the notice period ends ({}) before it starts ({})",
            notice.to, notice.from
        )));
    }
    for (i, row) in notice.rows.iter().enumerate() {
        let fields = [
            ("身份证号", row.id_masked.as_str()),
            ("户主姓名", row.head_name.as_str()),
            ("组", row.group.as_str()),
            ("类别", row.category.as_str()),
        ];
        for (field, value) in fields {
            let run = longest_digit_run(value);
            if run > MAX_DIGIT_RUN {
                return Err(ReportError::Source(format!(
                    "row {} of the notice: {field} holds {run} digits in a row; a notice shows \
                     an identity number only masked to its first 6 and last 4 digits, and never \
                     a phone number",
                    i + 1
                )));
            }
        }
    }
    Ok(())
}

/// Fonts loaded for typst: the faces, their book and the family to ask for.
struct FontSet {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    family: String,
}

impl FontSet {
    fn load<P: AsRef<Path>>(files: &[P]) -> Result<Self, ReportError> {
        let mut fonts = Vec::new();
        for file in files {
            let file = file.as_ref();
            let data = std::fs::read(file).map_err(|e| {
                ReportError::Source(format!(
                    "reading the notice's font {}: {e} (on Debian, install fonts-noto-cjk)",
                    file.display()
                ))
            })?;
            let before = fonts.len();
            fonts.extend(Font::iter(Bytes::new(data)));
            if fonts.len() == before {
                return Err(ReportError::Source(format!(
                    "{} holds no font typst can read",
                    file.display()
                )));
            }
        }
        let Some(first) = fonts.first() else {
            return Err(ReportError::Source(
                "no font to set the notice in".to_owned(),
            ));
        };
        // Noto Sans CJK SC, else another family with simplified Chinese forms (a collection
        // lists its Japanese, Korean and traditional faces too), else the first there is.
        let families = || fonts.iter().map(|f| f.info().family.as_str());
        let family = families()
            .find(|f| *f == FONT_FAMILY)
            .or_else(|| families().find(|f| f.ends_with(" SC")))
            .unwrap_or(first.info().family.as_str())
            .to_owned();
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(Self {
            book,
            fonts,
            family,
        })
    }
}

fn default_fonts() -> Result<&'static FontSet, ReportError> {
    static FONTS: OnceLock<FontSet> = OnceLock::new();
    if let Some(fonts) = FONTS.get() {
        return Ok(fonts);
    }
    let files: Vec<PathBuf> = DEFAULT_FONT_FILES.iter().map(PathBuf::from).collect();
    let loaded = FontSet::load(&files)?;
    Ok(FONTS.get_or_init(|| loaded))
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::builder().build()))
}

/// What the template reads from `/notice.json`: every string already in its printed form.
#[derive(Serialize)]
struct Data<'a> {
    font: &'a str,
    title: &'a str,
    lead: String,
    rows: Vec<[String; 6]>,
    period: String,
    objection: String,
    committee: String,
    made_on: String,
}

fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

impl<'a> Data<'a> {
    fn of(notice: &'a Notice, font: &'a str) -> Self {
        let place = if notice.place.trim().is_empty() {
            "村委会"
        } else {
            notice.place.trim()
        };
        Data {
            font,
            title: &notice.title,
            lead: format!(
                "按照防止返贫监测帮扶工作要求，经农户申请（或干部排查）、入户核实、民主评议，\
                 现将以下{}户农户予以公示，接受群众监督。",
                notice.rows.len()
            ),
            rows: notice
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    [
                        (i + 1).to_string(),
                        r.head_name.clone(),
                        r.group.clone(),
                        r.household_size.to_string(),
                        r.category.clone(),
                        r.id_masked.clone(),
                    ]
                })
                .collect(),
            period: format!(
                "公示期：{}至{}。",
                chinese_date(notice.from),
                chinese_date(notice.to)
            ),
            objection: format!(
                "如有异议，请在公示期内向{place}以书面或口头形式实名反映，逾期不再受理。"
            ),
            committee: format!(
                "{}{}村民委员会",
                notice.township.trim(),
                notice.village.trim()
            ),
            made_on: chinese_date(notice.made_on),
        }
    }
}

/// The notice's layout. Data comes from `/notice.json` and is printed as text, never evaluated.
const TEMPLATE: &str = r#"
#let d = json("/notice.json")
#set document(title: d.title)
#set page(
  paper: "a4",
  margin: (x: 2cm, top: 2.2cm, bottom: 2.2cm),
  footer: context align(center, text(size: 9pt)[
    第 #counter(page).display() 页，共 #counter(page).final().first() 页
  ]),
)
// Chinese official documents write 2026年3月1日 and 第1组 without spaces.
#set text(font: d.font, size: 11pt, lang: "zh", region: "cn", cjk-latin-spacing: none)
#set par(justify: true, leading: 0.9em, spacing: 1.1em)

#align(center, text(size: 18pt, weight: "bold", d.title))
#v(0.6em)
#par(first-line-indent: (amount: 2em, all: true), d.lead)

#table(
  columns: (auto, 1fr, 1fr, auto, 1.5fr, 2.2fr),
  align: center + horizon,
  inset: (x: 6pt, y: 5pt),
  fill: (_, y) => if y == 0 { luma(235) },
  table.header(
    ..("序号", "户主姓名", "组", "家庭人口", "类别", "身份证号").map(h => text(weight: "bold", h)),
  ),
  ..d.rows.flatten(),
)

#par(first-line-indent: (amount: 2em, all: true), d.period)
#par(first-line-indent: (amount: 2em, all: true), d.objection)

#v(2em)
#block(breakable: false, width: 100%, align(right, stack(
  spacing: 0.9em,
  d.committee,
  d.made_on,
)))
"#;

/// A world of two files: the template and the notice's data.
struct NoticeWorld<'a> {
    fonts: &'a FontSet,
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl World for NoticeWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

fn render_checked(notice: &Notice, fonts: &FontSet) -> Result<Vec<u8>, ReportError> {
    let data = serde_json::to_vec(&Data::of(notice, &fonts.family))
        .map_err(|e| ReportError::Source(format!("the notice's data: {e}")))?;
    let main_id = FileId::new(None, VirtualPath::new("/notice.typ"));
    let world = NoticeWorld {
        fonts,
        main: Source::new(main_id, TEMPLATE.to_owned()),
        data_id: FileId::new(None, VirtualPath::new("/notice.json")),
        data: Bytes::new(data),
    };
    let document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|errors| typesetting_error(&errors))?;
    // The PDF's creation date is the day the notice was made, in China's time zone.
    let made_on = Datetime::from_ymd(
        notice.made_on.year(),
        u8::try_from(notice.made_on.month()).unwrap_or(1),
        u8::try_from(notice.made_on.day()).unwrap_or(1),
    );
    let options = PdfOptions {
        timestamp: made_on.and_then(|d| Timestamp::new_local(d, 8 * 60)),
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| typesetting_error(&errors))
}

fn typesetting_error(errors: &[typst::diag::SourceDiagnostic]) -> ReportError {
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    ReportError::Source(format!("typesetting the notice: {}", messages.join("; ")))
}
