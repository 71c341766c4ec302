//! One table written as an XLSX sheet or as CSV: the layout every list report shares.
//!
//! XLSX: the title on the first row and the area and the day on the second (both merged across
//! the columns), the Chinese column names on the third, frozen below them and repeated on every
//! printed page, A4 (landscape where wide), fitted to the page width; amounts are numbers in
//! yuan with two decimals, dates are date cells. The sheet is written in constant memory, row
//! by row, so a county-sized list stays small in memory.
//! CSV: UTF-8 with a byte-order mark (Excel on Chinese Windows then reads it as UTF-8), the
//! column names, then the rows; amounts in yuan with two decimals, dates as YYYY-MM-DD.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use fangpin_domain::Fen;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::national::ReportError;
use crate::ReportHeader;

/// Which file to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// An Excel workbook.
    Xlsx,
    /// CSV, UTF-8 with a byte-order mark.
    Csv,
}

impl Output {
    /// The output a file name asks for: `.csv` is CSV, anything else XLSX.
    pub fn of(path: &Path) -> Output {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => Output::Csv,
            _ => Output::Xlsx,
        }
    }
}

/// One cell's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// An amount, shown in yuan with two decimals.
    Yuan(Fen),
    /// A day.
    Date(NaiveDate),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_owned())
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::from(s.as_str())
    }
}

/// A column: its Chinese name and its width in characters.
pub type Column = (&'static str, f64);

/// A table being written.
pub struct Table {
    sink: Sink,
    columns: usize,
    rows: u64,
}

enum Sink {
    Xlsx(Box<Xlsx>),
    Csv(Box<csv::Writer<BufWriter<File>>>),
}

struct Xlsx {
    workbook: Workbook,
    path: PathBuf,
    /// The sheet being written.
    sheet: usize,
    header: ReportHeader,
    row: u32,
    text: Format,
    yuan: Format,
    date: Format,
}

/// Excel's last row, 0-based.
const MAX_ROW: u32 = 1_048_575;

impl Table {
    /// Starts a table at `path`: `title` (问题台账 …), the header's area and day with `note`
    /// (the filters), and the columns.
    pub fn create(
        path: &Path,
        output: Output,
        title: &str,
        header: &ReportHeader,
        note: &str,
        columns: &[Column],
    ) -> Result<Table, ReportError> {
        let sink = match output {
            Output::Csv => {
                let mut file = BufWriter::new(File::create(path).map_err(io)?);
                file.write_all("\u{feff}".as_bytes()).map_err(io)?;
                let mut w = csv::Writer::from_writer(file);
                w.write_record(columns.iter().map(|c| c.0))
                    .map_err(csv_err)?;
                Sink::Csv(Box::new(w))
            }
            Output::Xlsx => {
                let mut workbook = Workbook::new();
                start_sheet(&mut workbook, title, header, note, columns)?;
                let border = |f: Format| f.set_border(FormatBorder::Thin);
                Sink::Xlsx(Box::new(Xlsx {
                    workbook,
                    path: path.to_owned(),
                    sheet: 0,
                    header: header.clone(),
                    row: 3,
                    text: border(Format::new().set_text_wrap()),
                    yuan: border(Format::new().set_num_format("0.00")),
                    date: border(Format::new().set_num_format("yyyy-mm-dd")),
                }))
            }
        };
        Ok(Table {
            sink,
            columns: columns.len(),
            rows: 0,
        })
    }

    /// Writes one row (cells past the columns are ignored; missing ones are empty).
    pub fn row(&mut self, cells: &[Cell]) -> Result<(), ReportError> {
        let cells = &cells[..cells.len().min(self.columns)];
        match &mut self.sink {
            Sink::Csv(w) => {
                let mut record: Vec<String> = cells.iter().map(csv_text).collect();
                record.resize(self.columns, String::new());
                w.write_record(&record).map_err(csv_err)?;
            }
            Sink::Xlsx(x) => {
                let x = &mut **x;
                let Xlsx {
                    workbook,
                    row,
                    text,
                    yuan,
                    date,
                    ..
                } = x;
                if *row > MAX_ROW {
                    return Err(ReportError::TooManyRows { limit: MAX_ROW + 1 });
                }
                let sheet = workbook.worksheet_from_index(x.sheet)?;
                for (i, c) in cells.iter().enumerate() {
                    let c_ = col(i);
                    match c {
                        Cell::Empty => sheet.write_blank(*row, c_, text)?,
                        Cell::Text(s) => sheet.write_string_with_format(*row, c_, s, text)?,
                        Cell::Int(n) => {
                            sheet.write_number_with_format(*row, c_, *n as f64, text)?
                        }
                        Cell::Yuan(f) => {
                            sheet.write_number_with_format(*row, c_, f.0 as f64 / 100.0, yuan)?
                        }
                        Cell::Date(d) => {
                            sheet.write_datetime_with_format(*row, c_, excel_date(*d)?, date)?
                        }
                    };
                }
                *row += 1;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Starts another sheet of the same workbook (XLSX only: a CSV file holds one table).
    pub fn sheet(
        &mut self,
        title: &str,
        note: &str,
        columns: &[Column],
    ) -> Result<(), ReportError> {
        match &mut self.sink {
            Sink::Csv(_) => Err(ReportError::Source(
                "a CSV file holds one table: write this report as .xlsx".into(),
            )),
            Sink::Xlsx(x) => {
                let header = x.header.clone();
                start_sheet(&mut x.workbook, title, &header, note, columns)?;
                x.sheet += 1;
                x.row = 3;
                self.columns = columns.len();
                Ok(())
            }
        }
    }

    /// Finishes the file; returns the rows written.
    pub fn finish(self) -> Result<u64, ReportError> {
        match self.sink {
            Sink::Csv(mut w) => w.flush().map_err(io)?,
            Sink::Xlsx(mut x) => x.workbook.save(&x.path)?,
        }
        Ok(self.rows)
    }
}

/// A new constant-memory sheet with the title block, the header row, the widths and the page
/// set-up.
fn start_sheet(
    workbook: &mut Workbook,
    title: &str,
    header: &ReportHeader,
    note: &str,
    columns: &[Column],
) -> Result<(), ReportError> {
    let border = |f: Format| f.set_border(FormatBorder::Thin);
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name(title)?;
    sheet.set_paper_size(9);
    if columns.iter().map(|c| c.1).sum::<f64>() > 100.0 {
        sheet.set_landscape();
    }
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 2)?;
    sheet.set_freeze_panes(3, 0)?;
    sheet.set_header(format!(
        "&L{}&R制表日期：{}",
        header.area_name, header.made_on
    ));
    sheet.set_footer("&C第 &P 页，共 &N 页");
    for (i, c) in columns.iter().enumerate() {
        sheet.set_column_width(col(i), c.1)?;
    }
    let last = col(columns.len().saturating_sub(1));
    let title_format = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    sheet.merge_range(0, 0, 0, last, title, &title_format)?;
    let sub = format!(
        "{}（{}）　制表日期：{}{}{}",
        header.area_name,
        header.area_code,
        header.made_on,
        if note.is_empty() { "" } else { "　" },
        note
    );
    sheet.merge_range(1, 0, 1, last, &sub, &Format::new())?;
    let head = border(
        Format::new()
            .set_bold()
            .set_background_color("D9E1F2")
            .set_align(FormatAlign::Center)
            .set_text_wrap(),
    );
    for (i, c) in columns.iter().enumerate() {
        sheet.write_string_with_format(2, col(i), c.0, &head)?;
    }
    Ok(())
}

fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or(1900),
        d.month() as u8,
        d.day() as u8,
    )
}

fn csv_text(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Yuan(f) => f.yuan().to_string(),
        Cell::Date(d) => d.to_string(),
    }
}

fn io(e: std::io::Error) -> ReportError {
    ReportError::Xlsx(XlsxError::IoError(e))
}

fn csv_err(e: csv::Error) -> ReportError {
    io(std::io::Error::other(e.to_string()))
}
