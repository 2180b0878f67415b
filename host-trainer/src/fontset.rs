//! The handwriting-fonts ink set (`tests/data/ink/handwriting-fonts.jsonl`):
//! the digits of real people's handwriting, as digitised in the handwriting
//! fonts that Debian packages.
//!
//! Each font in [`FONTS`] is one writer's hand (a person's own writing turned
//! into a font), most of them from outside MNIST's population: French school
//! cursive, Japanese longhand, a Polish script, felt-tip and marker hands.
//! Every digit glyph is rasterised ([`ab_glyph`]) at [`GLYPH_PX`] pixels high,
//! turned into pen strokes by [`crate::skeleton`] (the same thinning and
//! tracing as the MNIST skeleton set, its lengths scaled to the larger
//! raster), and drawn [`VARIANTS`] times onto the 280x280
//! surface by the MNIST set's hand ([`HandParams::mnist`]: size, position, 60
//! Hz resampling and sensor noise, no change of shape: the glyph already is
//! handwriting).
//!
//! The fonts are not in the repository; they are read from the paths the
//! Debian packages install (`apt-get install` the packages in [`FONTS`]:
//! [`install_command`]), and some training fonts from the npm packages
//! installed into `host-trainer/fonts` ([`NPM_COMMAND`]). The committed set
//! is a drawing made with the fonts, the use their licences (SIL OFL,
//! BSD-3-Clause, GPL with the font exception) allow; the fonts' SHA-256 are
//! pinned in [`FONTS`], so a different version of a package is an error
//! naming it instead of a silently different set.
//!
//! Record `i` shows digit `i % 10` of font `(i / 10) % FONTS.len()`, variant
//! `i / (10 * FONTS.len())`, from its own SplitMix64 stream like the other sets.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec, PxScale};
use nnet_core::ink::InkRecord;

use crate::inkset::{self, HandParams, Rng};
use crate::skeleton::{self, SkeletonParams};
use crate::{Error, Result};

/// File name of the set.
pub const FONTS_FILE: &str = "handwriting-fonts.jsonl";
/// Stream id of the set (the other sets use 1-3).
const SET_FONTS: u64 = 4;
/// The training digits of [`TRAINING_FONTS`], from the repository root:
/// committed, and built into the trainer (`train --augment`,
/// [`crate::train::TRAINING_FONTS_JSONL`]).
pub const TRAINING_PATH: &str = "host-trainer/data/training-fonts.jsonl";
/// Stream id of the training digits.
const SET_TRAINING: u64 = 5;
/// Folds of the training fonts, the writer validation split: `train
/// --hold-out-fonts N` trains without fold N, `make-inkset --font-folds`
/// writes each fold's digits to validate on ([`training_font_folds`]).
pub const FONT_FOLDS: usize = 5;

/// The training fonts of one designer, Kimberly Geswein: each a hand of its
/// own, but one designer's, so they make one fold (the last) and no other
/// fold trains on her hands.
pub const ONE_DESIGNER: [&str; 12] = [
    "annie-use-your-telescope",
    "architects-daughter",
    "cedarville-cursive",
    "covered-by-your-grace",
    "gloria-hallelujah",
    "indie-flower",
    "just-me-again-down-here",
    "la-belle-aurore",
    "nothing-you-could-do",
    "shadows-into-light",
    "sue-ellen-francisco",
    "the-girl-next-door",
];

/// The other training fonts that share a designer, a foundry or a family
/// (the designer and manufacturer the font files name, and the family
/// names), in the order of their first font in [`TRAINING_FONTS`]: each group
/// shares one fold of [`training_font_folds`].
pub const SHARED_HANDS: [&[&str]; 8] = [
    // Pablo Impallari
    &[
        "dancing-script",
        "kaushan-script",
        "cabin-sketch",
        "lobster",
        "caveat",
    ],
    // Nanum (NHN), and YoonDesign, who made Nanum Barun Pen and Gamja Flower
    &["nanum-pen", "nanum-brush", "nanum-barunpen", "gamja-flower"],
    // Aoyagi and Kouzan
    &["aoyagi-soseki", "kouzan-mouhitsu", "aoyagi-kouzan-t"],
    // Woowa Brothers' BM fonts
    &["bm-kirang-haerang", "bm-yeonsung", "bm-jua", "bm-hanna-pro"],
    // Tina and Corey Anderson's Edu fonts
    &["edu-nsw-act-foundation", "edu-qld-beginner"],
    // Font Diner
    &["homemade-apple", "permanent-marker", "schoolbell"],
    // TypeTogether: Playpen Sans and the Playwrite fonts
    &[
        "playpen-sans",
        "playwrite-es",
        "playwrite-mx",
        "playwrite-pl",
    ],
    // James Grieshaber
    &["reenie-beanie", "short-stack"],
];

/// The fold (1..=[`FONT_FOLDS`]) of each of [`TRAINING_FONTS`], in its order:
/// [`ONE_DESIGNER`]'s fonts the last; the others fill the first `FONT_FOLDS -
/// 1` equally, taken in the list's order a group at a time (a group of
/// [`SHARED_HANDS`], or one font), each group into the first fold with room
/// for it, so that no fold validates on a designer, foundry or family it
/// trained on.
pub fn training_font_folds() -> Vec<usize> {
    let others = TRAINING_FONTS
        .iter()
        .filter(|f| !ONE_DESIGNER.contains(&f.name))
        .count();
    let room = others.div_ceil(FONT_FOLDS - 1);
    let mut filled = [0usize; FONT_FOLDS - 1];
    let mut folds = vec![0; TRAINING_FONTS.len()];
    for (i, font) in TRAINING_FONTS.iter().enumerate() {
        if ONE_DESIGNER.contains(&font.name) {
            folds[i] = FONT_FOLDS;
            continue;
        }
        if folds[i] != 0 {
            continue; // placed with its group
        }
        let group: &[&str] = SHARED_HANDS
            .iter()
            .find(|g| g.contains(&font.name))
            .map_or(std::slice::from_ref(&font.name), |g| *g);
        // the last fold takes what does not fit (no group is larger than a fold)
        let k = (0..FONT_FOLDS - 1)
            .find(|&k| filled[k] + group.len() <= room)
            .unwrap_or(FONT_FOLDS - 2);
        filled[k] += group.len();
        for (j, f) in TRAINING_FONTS.iter().enumerate() {
            if group.contains(&f.name) {
                folds[j] = k + 1;
            }
        }
    }
    folds
}

/// The records of the training digits (or anything in their order: ten per
/// font, font by font in [`TRAINING_FONTS`]' order, as [`training_records`]
/// makes them) split by fold: those of the fonts of fold `fold`
/// ([`training_font_folds`]), then the others.
pub fn split_fold<T>(records: impl IntoIterator<Item = T>, fold: usize) -> (Vec<T>, Vec<T>) {
    let folds = training_font_folds();
    let (mut held, mut kept) = (Vec::new(), Vec::new());
    for (i, r) in records.into_iter().enumerate() {
        if folds.get(i / 10) == Some(&fold) {
            held.push(r);
        } else {
            kept.push(r);
        }
    }
    (held, kept)
}

/// Height of the rasterised digit in pixels (about four times MNIST's 20 px).
pub const GLYPH_PX: f32 = 80.0;
/// Blank border around the rasterised glyph, px.
pub const PAD: usize = 4;

/// Where a font file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    /// A Debian package, installed with `apt-get install` ([`install_command`]);
    /// the path is where the package puts the file.
    Debian,
    /// An npm package of `host-trainer/fonts/package.json`, installed with
    /// [`NPM_COMMAND`] (versions pinned by its `package-lock.json`); the path
    /// is relative to [`NPM_DIR`].
    Npm,
}

/// The directory of the npm font packages: `host-trainer/fonts` of the
/// checkout the trainer was built from.
pub const NPM_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fonts");

/// The command that installs the npm font packages, from the repository root
/// (scripts/setup runs it).
pub const NPM_COMMAND: &str = "npm ci --prefix host-trainer/fonts --ignore-scripts";

/// One handwriting font: one writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FontSpec {
    /// Short name used in reports.
    pub name: &'static str,
    /// Where it comes from.
    pub registry: Registry,
    /// Debian or npm package that installs it.
    pub package: &'static str,
    /// Installed path: absolute for Debian, relative to [`NPM_DIR`] for npm.
    pub path: &'static str,
    /// SHA-256 of the font file (Debian 12 "bookworm", or the npm package's
    /// version in `host-trainer/fonts/package-lock.json`).
    pub sha256: &'static str,
    /// Whose hand, and the licence.
    pub about: &'static str,
}

/// A digit as pen strokes (points in raster pixels, y down).
pub type DigitStrokes = Vec<Vec<[f32; 2]>>;

/// The fonts of the set, in record order.
pub const FONTS: &[FontSpec] = &[
    FontSpec {
        name: "dkg",
        registry: Registry::Debian,
        package: "fonts-dkg-handwriting",
        path: "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
        sha256: "93eb07f57b84f04fa975ebf49ecec43d9b2c85834a9b63864072c6b993efd131",
        about: "Daniel Kahn Gillmor's handwriting (US); OFL-1.1",
    },
    FontSpec {
        name: "breip",
        registry: Registry::Debian,
        package: "fonts-breip",
        path: "/usr/share/fonts/truetype/breip/Breip.ttf",
        sha256: "cded2aeeeb7d35baa8aa5b57df35a25836910498271d3d2eec502f6aa7033eb7",
        about: "Adam Breipohl's informal handwriting (US); OFL-1.0",
    },
    FontSpec {
        name: "bw-build",
        registry: Registry::Debian,
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeBuild-Regular.otf",
        sha256: "202160d49b0cfbe8a812c5a75487058f7caba2398324214a1e6d34f24b68d855",
        about: "Because We Had To: six Red Hat associates' handwriting, one font each; OFL-1.1",
    },
    FontSpec {
        name: "bw-connect",
        registry: Registry::Debian,
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeConnect-Regular.otf",
        sha256: "c9c7135605a5c8cd143b611881c93383c6804166c4770810ab0c07dbbff3aac9",
        about: "Because We Had To; OFL-1.1",
    },
    FontSpec {
        name: "bw-create",
        registry: Registry::Debian,
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeCreate-Regular.otf",
        sha256: "abdbea89b7de43bccae63975af1714a26a473584341d5c395fca1cb1c51ff48f",
        about: "Because We Had To (crossed 7); OFL-1.1",
    },
    FontSpec {
        name: "bw-learn",
        registry: Registry::Debian,
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf",
        sha256: "d5551a6a1449de4ee2e8ddcd0bcc3e7d292d24c61fc6515d8db9b03a65b127dd",
        about: "Because We Had To (crossed 7, heavy pen); OFL-1.1",
    },
    FontSpec {
        name: "bw-mentor",
        registry: Registry::Debian,
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeMentor-Regular.otf",
        sha256: "b71888fd9a79936e44a55baf1bf0bb4e594827be890882c4fc9918409e8c2509",
        about: "Because We Had To (crossed 7); OFL-1.1",
    },
    FontSpec {
        name: "bw-organize",
        registry: Registry::Debian,
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf",
        sha256: "f97f8557caa4de42f743d8d4ea0851993b12c112e8713fd6d6d08881e6a24c5e",
        about: "Because We Had To; OFL-1.1",
    },
    FontSpec {
        name: "humor-sans",
        registry: Registry::Debian,
        package: "fonts-humor-sans",
        path: "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
        sha256: "2ded6a27448c9ed30aaff177744e2bcf1e52e0aab018b2a8be64565df633318f",
        about: "the xkcd comic's hand lettering; OFL-1.1",
    },
    FontSpec {
        name: "kiloji",
        registry: Registry::Debian,
        package: "fonts-kiloji",
        path: "/usr/share/fonts/truetype/kiloji/kiloji.ttf",
        sha256: "f75142c667d7a6ba69d18bd694a4efe68780e607b3c4382e5d30a042c96e9e41",
        about: "kilo's longhand (Japan); BSD-3-Clause",
    },
    FontSpec {
        name: "klee",
        registry: Registry::Debian,
        package: "fonts-klee",
        path: "/usr/share/fonts/truetype/klee/KleeOne-Regular.ttf",
        sha256: "2e466518e3762920add16d542cb73130cbd74968d3b3e92ccbc550c5a76f815b",
        about: "Klee One, pencil handwriting (Japan, Fontworks); OFL-1.1",
    },
    FontSpec {
        name: "seto",
        registry: Registry::Debian,
        package: "fonts-seto",
        path: "/usr/share/fonts/truetype/seto/setofont.ttf",
        sha256: "af54468357473617a77515436f7dca8f9376690aa514f3a7dbfc36a3b3f8229e",
        about: "setofont, handwriting (Japan); OFL-1.1",
    },
    FontSpec {
        name: "yozfont",
        registry: Registry::Debian,
        package: "fonts-yozvox-yozfont-new-kana",
        path: "/usr/share/fonts/truetype/yozvox-yozfont/YOzRN_.ttf",
        sha256: "0f4d23aea18e7e25d592bfec392b3bba97aa1efbe0209f5119ad075856fc5472",
        about: "Y.Oz's handwriting (Japan); OFL-1.1",
    },
    FontSpec {
        name: "yusei-magic",
        registry: Registry::Debian,
        package: "fonts-yusei-magic",
        path: "/usr/share/fonts/truetype/yusei-magic/YuseiMagic-Regular.ttf",
        sha256: "65e62d87973faaa92b473afd8fc36eeb81b738118e80223be0b2ecda74d05cb4",
        about: "permanent-marker handwriting (Japan); OFL-1.1",
    },
    FontSpec {
        name: "delphine",
        registry: Registry::Debian,
        package: "fonts-sjfonts",
        path: "/usr/share/fonts/truetype/sjfonts/Delphine.ttf",
        sha256: "afeea795e392f6b8e0cc4ba3978375908d1f29f8d82f1b7b15d9fdc755a05288",
        about: "Delphine's handwriting (Switzerland: continental 1, crossed 7); GPL with font exception",
    },
    FontSpec {
        name: "stevehand",
        registry: Registry::Debian,
        package: "fonts-sjfonts",
        path: "/usr/share/fonts/truetype/sjfonts/SteveHand.ttf",
        sha256: "51e0820b832b2cd3db9dc9a759520c868166ae291f19afc3d94689e668d0435e",
        about: "Steve Jordi's handwriting (Switzerland); GPL with font exception",
    },
    FontSpec {
        name: "ecolier",
        registry: Registry::Debian,
        package: "fonts-ecolier-court",
        path: "/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf",
        sha256: "bdbbded05cbb318d470d36475aefe2435847e025a2c7cd3610f8f13bf8e2a829",
        about: "French school cursive (Jean-Marie Douteau); OFL-1.1",
    },
    FontSpec {
        name: "kristi",
        registry: Registry::Debian,
        package: "fonts-kristi",
        path: "/usr/share/fonts/truetype/kristi/Kristi.ttf",
        sha256: "6c14164cd50b52d03d88728971285fe1dbf0d6ee8af6d29274b5d5026a0fb622",
        about: "felt-tip cursive (continental 1, open 4); OFL-1.1",
    },
    FontSpec {
        name: "havana",
        registry: Registry::Debian,
        package: "fonts-havana",
        path: "/usr/share/fonts/opentype/havana/Havana-Regular.otf",
        sha256: "f0f4e84f9903c32706691df31e422e0ab919eb9569702100dfc1dff7ca184562",
        about: "Polish script (continental 1, crossed 7); OFL-1.1",
    },
];

/// The fonts of the training digits (`train --augment`), in record order:
/// other hands than [`FONTS`] (no package, file or digit glyph in common;
/// tested), handwriting and hand-lettering from Debian packages and then npm
/// packages (Google Fonts' handwriting fonts as `@expo-google-fonts` ships
/// them), whose licences allow drawings made with them (SIL OFL, Apache-2.0,
/// GPL with the font exception, public domain).
pub const TRAINING_FONTS: &[FontSpec] = &[
    FontSpec {
        name: "rufscript",
        registry: Registry::Debian,
        package: "fonts-rufscript",
        path: "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
        sha256: "99b16515f19ab35d18049235797b0dbe3ec73535d455994442b206c96405050f",
        about: "Rufscript, handwriting-based (Hubert Jocham); GPL-3+ with font exception",
    },
    FontSpec {
        name: "dancing-script",
        registry: Registry::Debian,
        package: "fonts-dancingscript",
        path: "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
        sha256: "38178945aaefdea573f4998d8b984985aaebb95964da337b23e77e682d7d3d17",
        about: "Dancing Script, casual script (Pablo Impallari); OFL-1.1",
    },
    FontSpec {
        name: "kaushan-script",
        registry: Registry::Debian,
        package: "fonts-kaushanscript",
        path: "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf",
        sha256: "c007ebe4c813374ed02da003394b73b39fa709ff5891c5613733c96be595ba28",
        about: "Kaushan Script, quick brush writing (Germany); OFL-1.1",
    },
    FontSpec {
        name: "comic-neue",
        registry: Registry::Debian,
        package: "fonts-comic-neue",
        path: "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
        sha256: "2728ee8f303e31934e62bf27b044fd7657b0613412d51f7444db1078cc3a7cb2",
        about: "Comic Neue, comic lettering; OFL-1.1",
    },
    FontSpec {
        name: "tomson-talks",
        registry: Registry::Debian,
        package: "fonts-tomsontalks",
        path: "/usr/share/fonts/truetype/tomsontalks/TomsonTalks.ttf",
        sha256: "f7beeee4f3e11e38281f528dcf8a20218c6ce9b7a5b2acdca9f8bef303dd8526",
        about: "Tomson Talks, comic lettering; OFL-1.1",
    },
    FontSpec {
        name: "cabin-sketch",
        registry: Registry::Debian,
        package: "fonts-cabinsketch",
        path: "/usr/share/fonts/truetype/cabinsketch/CabinSketch-Regular.ttf",
        sha256: "e87bf418e498424284c289c6ba57eaba29f2fc072ee780326823650a67a48f4f",
        about: "Cabin Sketch, sketched pen lettering; OFL-1.1",
    },
    FontSpec {
        name: "purisa",
        registry: Registry::Debian,
        package: "fonts-tlwg-purisa-ttf",
        path: "/usr/share/fonts/truetype/tlwg/Purisa.ttf",
        sha256: "cceae46a2c8862c20971b9e7c5297b4c23decda9a674c0eea7ddbd3c799b14dd",
        about: "Purisa, handwriting (Thailand, TLWG); GPL-2+ with font exception",
    },
    FontSpec {
        name: "nanum-pen",
        registry: Registry::Debian,
        package: "fonts-nanum-extra",
        path: "/usr/share/fonts/truetype/nanum/NanumPen.ttf",
        sha256: "0e1e2cc07fd5c5d181936ecaf97363263a8d4ae6b6151039ea83cb9002b63152",
        about: "Nanum Pen Script, pen handwriting (Korea, Naver); OFL-1.1",
    },
    FontSpec {
        name: "nanum-brush",
        registry: Registry::Debian,
        package: "fonts-nanum-extra",
        path: "/usr/share/fonts/truetype/nanum/NanumBrush.ttf",
        sha256: "5fe0e02f74c58aa25ba49908fb6775bcb7d00d19ddd68b480b51a926f5ca12ec",
        about: "Nanum Brush Script, brush handwriting (Korea, Naver); OFL-1.1",
    },
    FontSpec {
        name: "nanum-barunpen",
        registry: Registry::Debian,
        package: "fonts-nanum-extra",
        path: "/usr/share/fonts/truetype/nanum/NanumBarunpenR.ttf",
        sha256: "f5bd6993e8376e7f0796837ba0e50e006eb1f568f5dbb571e18d66847ff4f9c0",
        about: "Nanum Barun Pen, neat pen handwriting (Korea, Naver); OFL-1.1",
    },
    FontSpec {
        name: "navilu",
        registry: Registry::Debian,
        package: "fonts-navilu",
        path: "/usr/share/fonts/truetype/Navilu/Navilu.ttf",
        sha256: "4d324f4050163d7ac311676ac5038f7866d68170a5a4b60b6cb92866f8f9f647",
        about: "Navilu, handwriting (India); OFL-1.1",
    },
    FontSpec {
        name: "leckerli-one",
        registry: Registry::Debian,
        package: "fonts-leckerli-one",
        path: "/usr/share/fonts/truetype/leckerli-one/LeckerliOne-Regular.ttf",
        sha256: "3f38ed99a07ab426eaa64c7d5773850a5dc8e6719b03125efce2cfbc82b083d7",
        about: "Leckerli One, bold handwritten display; OFL-1.1",
    },
    FontSpec {
        name: "lobster",
        registry: Registry::Debian,
        package: "fonts-lobster",
        path: "/usr/share/fonts/opentype/lobster/lobster.otf",
        sha256: "4605f4c5aac8d4bb55a28a63db6c1dd06394d4b6e0cb157f61603fb26021a617",
        about: "Lobster, bold script; OFL-1.1",
    },
    FontSpec {
        name: "aoyagi-soseki",
        registry: Registry::Debian,
        package: "fonts-aoyagi-soseki",
        path: "/usr/share/fonts/truetype/aoyagi-soseki/aoyagi-soseki.ttf",
        sha256: "40b77688adac33d2a19d080d721afd5cb6b12b7c3ef523c354ed8ec5da4e440f",
        about: "Aoyagi Soseki, brush handwriting (Japan); public domain",
    },
    FontSpec {
        name: "kouzan-mouhitsu",
        registry: Registry::Debian,
        package: "fonts-kouzan-mouhitsu",
        path: "/usr/share/fonts/truetype/kouzan-mouhitsu/kouzan-mouhitsu.ttf",
        sha256: "582f269574e71336f1ee8318664ff6cfafd84293b3267ddf39410015713c951e",
        about: "Kouzan Mouhitsu, brush handwriting (Japan); public domain",
    },
    FontSpec {
        name: "aoyagi-kouzan-t",
        registry: Registry::Debian,
        package: "fonts-aoyagi-kouzan-t",
        path: "/usr/share/fonts/truetype/aoyagi-kouzan-t/AoyagiKouzanT.ttf",
        sha256: "233d623f88c083631521c909950ce3046eb9f89d444a0a8be4c80ac50019fcbd",
        about: "Aoyagi Kouzan T, brush handwriting (Japan); public domain",
    },
    FontSpec {
        name: "chilanka",
        registry: Registry::Debian,
        package: "fonts-smc-chilanka",
        path: "/usr/share/fonts/opentype/malayalam/Chilanka-Regular.otf",
        sha256: "a8ac6dd044f5039e2c0de5af84995ff66f5c07e66eb86a59313e5a0fe7c61dfe",
        about: "Chilanka, handwriting (India, Malayalam; Santhosh Thottingal, SMC); OFL-1.1",
    },
    FontSpec {
        name: "fantasque-sans",
        registry: Registry::Debian,
        package: "fonts-fantasque-sans",
        path: "/usr/share/fonts/truetype/fantasque-sans/Normal/TTF/FantasqueSansMono-Regular.ttf",
        sha256: "5fa1f36afb10356186928d801941a059803a6c80a6a7b2fb71f1464494d18b67",
        about: "Fantasque Sans Mono, handwriting-like lettering (Jany Belluz); OFL-1.1",
    },
    FontSpec {
        name: "bm-kirang-haerang",
        registry: Registry::Debian,
        package: "fonts-woowa-bm",
        path: "/usr/share/fonts/truetype/woowa-bm/BMKIRANGHAERANG-TTF.ttf",
        sha256: "d0973f3a497b42d999af2f163c63e2ebe4952c5de645d61228d2dbda13457a3f",
        about: "BM Kirang Haerang, hand lettering (Korea, Woowa Brothers); OFL-1.1",
    },
    FontSpec {
        name: "bm-yeonsung",
        registry: Registry::Debian,
        package: "fonts-woowa-bm",
        path: "/usr/share/fonts/truetype/woowa-bm/BMYEONSUNG_ttf.ttf",
        sha256: "154d22ee908e6d5ac11acb3526a8dd5c6963a9379abe81330df0b1453080f63e",
        about: "BM Yeonsung, hand lettering (Korea, Woowa Brothers); OFL-1.1",
    },
    FontSpec {
        name: "bm-jua",
        registry: Registry::Debian,
        package: "fonts-woowa-bm",
        path: "/usr/share/fonts/truetype/woowa-bm/BMJUA_ttf.ttf",
        sha256: "e8e6aa8b1b662c7bf0d7f136f29e822e0985176458a6e5d0ba08afc4a5c901a9",
        about: "BM Jua, hand-painted sign lettering (Korea, Woowa Brothers); OFL-1.1",
    },
    FontSpec {
        name: "bm-hanna-pro",
        registry: Registry::Debian,
        package: "fonts-woowa-bm",
        path: "/usr/share/fonts/truetype/woowa-bm/BMHANNAPro.ttf",
        sha256: "46dd67f836604840fe5abf9695d7982f396406260465fc225136ea23bed18e0a",
        about: "BM Hanna Pro, hand-painted sign lettering (Korea, Woowa Brothers); OFL-1.1",
    },
    FontSpec {
        name: "gfs-gazis",
        registry: Registry::Debian,
        package: "fonts-gfs-gazis",
        path: "/usr/share/fonts/opentype/gazis/GFSGazis.otf",
        sha256: "5613607179d2aea6bddd7dcd2b1db35d926f80e6f2b3af687dc0f0722dde1bc0",
        about: "GFS Gazis, cursive hand (Greece, Greek Font Society); OFL-1.1",
    },
    FontSpec {
        name: "annie-use-your-telescope",
        registry: Registry::Npm,
        package: "@expo-google-fonts/annie-use-your-telescope",
        path: "node_modules/@expo-google-fonts/annie-use-your-telescope/400Regular/AnnieUseYourTelescope_400Regular.ttf",
        sha256: "f390e6494169d51ede086829fe05f32911a96872363c8271f256ba0ba2150173",
        about: "Annie Use Your Telescope, handwriting (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "architects-daughter",
        registry: Registry::Npm,
        package: "@expo-google-fonts/architects-daughter",
        path: "node_modules/@expo-google-fonts/architects-daughter/400Regular/ArchitectsDaughter_400Regular.ttf",
        sha256: "7e7ae3e7f37f4a56362e3dc486acf968a1023d954994901f960b0e53de3fa883",
        about: "Architects Daughter, an architect's lettering (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "caveat",
        registry: Registry::Npm,
        package: "@expo-google-fonts/caveat",
        path: "node_modules/@expo-google-fonts/caveat/400Regular/Caveat_400Regular.ttf",
        sha256: "271ee7c4a60b1be2ba13a66990e7475c76c982ac6e906c9db25139976282f6b8",
        about: "Caveat, quick handwriting (the Caveat Project); OFL-1.1",
    },
    FontSpec {
        name: "cedarville-cursive",
        registry: Registry::Npm,
        package: "@expo-google-fonts/cedarville-cursive",
        path: "node_modules/@expo-google-fonts/cedarville-cursive/400Regular/CedarvilleCursive_400Regular.ttf",
        sha256: "cfe761535f2ab42ee297e7bfec27e6e9af18529b87ef8b7f07a000da3a18f93d",
        about: "Cedarville Cursive, a teacher's cursive (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "coming-soon",
        registry: Registry::Npm,
        package: "@expo-google-fonts/coming-soon",
        path: "node_modules/@expo-google-fonts/coming-soon/400Regular/ComingSoon_400Regular.ttf",
        sha256: "909aabcdb145da0c393ada544d8b133cf591fb512433a517018618ba96e59fa2",
        about: "Coming Soon, casual print; Apache-2.0",
    },
    FontSpec {
        name: "covered-by-your-grace",
        registry: Registry::Npm,
        package: "@expo-google-fonts/covered-by-your-grace",
        path: "node_modules/@expo-google-fonts/covered-by-your-grace/400Regular/CoveredByYourGrace_400Regular.ttf",
        sha256: "67ee4693d8b49edab0c81c8a4effc7ee6ac422a2a31fef361715ed6df3df26fc",
        about: "Covered By Your Grace, marker handwriting (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "edu-nsw-act-foundation",
        registry: Registry::Npm,
        package: "@expo-google-fonts/edu-nsw-act-foundation",
        path: "node_modules/@expo-google-fonts/edu-nsw-act-foundation/400Regular/EduNSWACTFoundation_400Regular.ttf",
        sha256: "285dfbc5eca9f67bdd6fbd37541c628ac6cf9d875773fff617dd9df5b51b06af",
        about: "Edu NSW ACT Foundation, Australian school handwriting, NSW and ACT Foundation style; OFL-1.1",
    },
    FontSpec {
        name: "edu-qld-beginner",
        registry: Registry::Npm,
        package: "@expo-google-fonts/edu-qld-beginner",
        path: "node_modules/@expo-google-fonts/edu-qld-beginner/400Regular/EduQLDBeginner_400Regular.ttf",
        sha256: "cce6c835d8b9bf99ccf4268419ce17269763d1f7c3fd8c1c98991eeed248bc45",
        about: "Edu QLD Beginner, Australian school handwriting, Queensland Beginner style; OFL-1.1",
    },
    FontSpec {
        name: "gaegu",
        registry: Registry::Npm,
        package: "@expo-google-fonts/gaegu",
        path: "node_modules/@expo-google-fonts/gaegu/400Regular/Gaegu_400Regular.ttf",
        sha256: "9de068b26e04a0b4b0dd8e79ff8ad26907306ff602b7169fc2dda2e4b1fb885b",
        about: "Gaegu, handwriting (Korea); OFL-1.1",
    },
    FontSpec {
        name: "gamja-flower",
        registry: Registry::Npm,
        package: "@expo-google-fonts/gamja-flower",
        path: "node_modules/@expo-google-fonts/gamja-flower/400Regular/GamjaFlower_400Regular.ttf",
        sha256: "39c519118fe8a8e78a402d0977ca05c4dd585228acd8dbf24df492ecfe9399cf",
        about: "Gamja Flower, handwriting (Korea, YoonDesign); OFL-1.1",
    },
    FontSpec {
        name: "gloria-hallelujah",
        registry: Registry::Npm,
        package: "@expo-google-fonts/gloria-hallelujah",
        path: "node_modules/@expo-google-fonts/gloria-hallelujah/400Regular/GloriaHallelujah_400Regular.ttf",
        sha256: "4206cbda828ccde275f6d8b406ad80a29d2f5d9bc1a39a86e56a1c9c7691ed8c",
        about: "Gloria Hallelujah, comic handwriting (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "gochi-hand",
        registry: Registry::Npm,
        package: "@expo-google-fonts/gochi-hand",
        path: "node_modules/@expo-google-fonts/gochi-hand/400Regular/GochiHand_400Regular.ttf",
        sha256: "57e17aabd8bfa36f9ce790f26a64176abd01f89df2fac8263aa50003daaf81b5",
        about: "Gochi Hand, marker handwriting (Juan Pablo del Peral); OFL-1.1",
    },
    FontSpec {
        name: "homemade-apple",
        registry: Registry::Npm,
        package: "@expo-google-fonts/homemade-apple",
        path: "node_modules/@expo-google-fonts/homemade-apple/400Regular/HomemadeApple_400Regular.ttf",
        sha256: "0cce5c499541817f129b7a1078ffb89d426c1e09335e07e9b304bb34193e8eee",
        about: "Homemade Apple, cursive handwriting; Apache-2.0",
    },
    FontSpec {
        name: "indie-flower",
        registry: Registry::Npm,
        package: "@expo-google-fonts/indie-flower",
        path: "node_modules/@expo-google-fonts/indie-flower/400Regular/IndieFlower_400Regular.ttf",
        sha256: "e6a139213baa54b2ff51d300f98cc1c16d690b5046a4b0e42435cbf791767853",
        about: "Indie Flower, round handwriting (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "just-another-hand",
        registry: Registry::Npm,
        package: "@expo-google-fonts/just-another-hand",
        path: "node_modules/@expo-google-fonts/just-another-hand/400Regular/JustAnotherHand_400Regular.ttf",
        sha256: "c4f456b0d727c7e6da6c22b9e253d5c697f07bf937b18ffc4f2b05ff78de69a9",
        about: "Just Another Hand, narrow marker handwriting; Apache-2.0",
    },
    FontSpec {
        name: "just-me-again-down-here",
        registry: Registry::Npm,
        package: "@expo-google-fonts/just-me-again-down-here",
        path: "node_modules/@expo-google-fonts/just-me-again-down-here/400Regular/JustMeAgainDownHere_400Regular.ttf",
        sha256: "a31d50c0125a31c17815846f925fb24c737434d0cbd337f6fe0eb25aace61fb4",
        about: "Just Me Again Down Here, scrawled handwriting (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "kalam",
        registry: Registry::Npm,
        package: "@expo-google-fonts/kalam",
        path: "node_modules/@expo-google-fonts/kalam/400Regular/Kalam_400Regular.ttf",
        sha256: "c2a5822e35bd9826735baf8cea549534fd300c979129299d327a155ed9ef667f",
        about: "Kalam, handwriting (India, Indian Type Foundry); OFL-1.1",
    },
    FontSpec {
        name: "la-belle-aurore",
        registry: Registry::Npm,
        package: "@expo-google-fonts/la-belle-aurore",
        path: "node_modules/@expo-google-fonts/la-belle-aurore/400Regular/LaBelleAurore_400Regular.ttf",
        sha256: "366ab6209c5f16a503dde1ec7d1cc02a67da2d1a37eafe75f5f7eccfb125ecec",
        about: "La Belle Aurore, slanted handwriting (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "mali",
        registry: Registry::Npm,
        package: "@expo-google-fonts/mali",
        path: "node_modules/@expo-google-fonts/mali/400Regular/Mali_400Regular.ttf",
        sha256: "447cddd48d4d082bc32c4402d89360c499b24bf6d1a628f07c77d184d3c9064b",
        about: "Mali, a child's handwriting (the Mali Project); OFL-1.1",
    },
    FontSpec {
        name: "neucha",
        registry: Registry::Npm,
        package: "@expo-google-fonts/neucha",
        path: "node_modules/@expo-google-fonts/neucha/400Regular/Neucha_400Regular.ttf",
        sha256: "6b04fa67b591d1570644135638612c0eb23c728efad92690d98b9cf25c39eb71",
        about: "Neucha, handwriting (Jovanny Lemonad); OFL-1.1",
    },
    FontSpec {
        name: "nothing-you-could-do",
        registry: Registry::Npm,
        package: "@expo-google-fonts/nothing-you-could-do",
        path: "node_modules/@expo-google-fonts/nothing-you-could-do/400Regular/NothingYouCouldDo_400Regular.ttf",
        sha256: "d866f985896d3280f4fce72db7e17302c24a0c1fdb0699b6b5ed3af14f944d57",
        about: "Nothing You Could Do, quick cursive (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "pangolin",
        registry: Registry::Npm,
        package: "@expo-google-fonts/pangolin",
        path: "node_modules/@expo-google-fonts/pangolin/400Regular/Pangolin_400Regular.ttf",
        sha256: "a48db64eadc589c2e9f14a4ba79eed82a438c7f620f929dd19e352c20b2a922e",
        about: "Pangolin, handwriting (the Pangolin Project); OFL-1.1",
    },
    FontSpec {
        name: "patrick-hand",
        registry: Registry::Npm,
        package: "@expo-google-fonts/patrick-hand",
        path: "node_modules/@expo-google-fonts/patrick-hand/400Regular/PatrickHand_400Regular.ttf",
        sha256: "496937dafcb18bf2c2f624ed02c8f7f4d47bd1e4e6e5646c42b6cfd873c6b13c",
        about: "Patrick Hand, the designer's handwriting (Patrick Wagesreiter); OFL-1.1",
    },
    FontSpec {
        name: "permanent-marker",
        registry: Registry::Npm,
        package: "@expo-google-fonts/permanent-marker",
        path: "node_modules/@expo-google-fonts/permanent-marker/400Regular/PermanentMarker_400Regular.ttf",
        sha256: "4a613a4e0a67ad9c48ee6bbf664a59f73450069ad27c08d4ed21e1b9b1893590",
        about: "Permanent Marker, marker lettering; Apache-2.0",
    },
    FontSpec {
        name: "playpen-sans",
        registry: Registry::Npm,
        package: "@expo-google-fonts/playpen-sans",
        path: "node_modules/@expo-google-fonts/playpen-sans/400Regular/PlaypenSans_400Regular.ttf",
        sha256: "65fdaad5a3aee5ee4d0835957fdb4e0b6941890f198143c9a4ec36040026b44f",
        about: "Playpen Sans, handwriting for learners (the Playpen Sans Project); OFL-1.1",
    },
    FontSpec {
        name: "playwrite-es",
        registry: Registry::Npm,
        package: "@expo-google-fonts/playwrite-es",
        path: "node_modules/@expo-google-fonts/playwrite-es/400Regular/PlaywriteES_400Regular.ttf",
        sha256: "f519b1ddd704728561463b4c6fe3a5747e41e2dff53e7f6186ede56b91031361",
        about: "Playwrite ES, Spain's school handwriting model (the Playwrite Project); OFL-1.1",
    },
    FontSpec {
        name: "playwrite-mx",
        registry: Registry::Npm,
        package: "@expo-google-fonts/playwrite-mx",
        path: "node_modules/@expo-google-fonts/playwrite-mx/400Regular/PlaywriteMX_400Regular.ttf",
        sha256: "664122b4fb66bb01af26ce65fb44aaa377ebfa0b769ff066aa4fee69bd110b85",
        about: "Playwrite MX, Mexico's school handwriting model (the Playwrite Project); OFL-1.1",
    },
    FontSpec {
        name: "playwrite-pl",
        registry: Registry::Npm,
        package: "@expo-google-fonts/playwrite-pl",
        path: "node_modules/@expo-google-fonts/playwrite-pl/400Regular/PlaywritePL_400Regular.ttf",
        sha256: "a94fd4e55045e22cd5594f211d0b1be053d84968d467d75b7104afa2d9d9e9db",
        about: "Playwrite PL, Poland's school handwriting model (the Playwrite Project); OFL-1.1",
    },
    FontSpec {
        name: "reenie-beanie",
        registry: Registry::Npm,
        package: "@expo-google-fonts/reenie-beanie",
        path: "node_modules/@expo-google-fonts/reenie-beanie/400Regular/ReenieBeanie_400Regular.ttf",
        sha256: "f3b0fc248a510101281bfc2f81815b9758ff9bcc7400c42827791a8d36d14698",
        about: "Reenie Beanie, ballpoint scrawl (James Grieshaber); OFL-1.1",
    },
    FontSpec {
        name: "schoolbell",
        registry: Registry::Npm,
        package: "@expo-google-fonts/schoolbell",
        path: "node_modules/@expo-google-fonts/schoolbell/400Regular/Schoolbell_400Regular.ttf",
        sha256: "5c95c4513ba2908d82ae7f2205dabb6c3e887181bd7ee4d78e1fb5f8b618d701",
        about: "Schoolbell, schoolroom print; Apache-2.0",
    },
    FontSpec {
        name: "shadows-into-light",
        registry: Registry::Npm,
        package: "@expo-google-fonts/shadows-into-light",
        path: "node_modules/@expo-google-fonts/shadows-into-light/400Regular/ShadowsIntoLight_400Regular.ttf",
        sha256: "2d697208b133a900ab1f5607e437d039b19a0f956fc3d998760cabb3c11ad3b0",
        about: "Shadows Into Light, marker handwriting (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "short-stack",
        registry: Registry::Npm,
        package: "@expo-google-fonts/short-stack",
        path: "node_modules/@expo-google-fonts/short-stack/400Regular/ShortStack_400Regular.ttf",
        sha256: "e784abf10db68a62bbb1ccca3e20c7fb35391cc1e9971c878095eedaebc9915b",
        about: "Short Stack, a child's print (Sorkin Type); OFL-1.1",
    },
    FontSpec {
        name: "single-day",
        registry: Registry::Npm,
        package: "@expo-google-fonts/single-day",
        path: "node_modules/@expo-google-fonts/single-day/400Regular/SingleDay_400Regular.ttf",
        sha256: "2b6bbfb2b88ff55e8acdf06a9ba042821fbbe3e7149bc57b317e8880d9dbd0f9",
        about: "Single Day, handwriting (Korea, DXKorea); OFL-1.1",
    },
    FontSpec {
        name: "sue-ellen-francisco",
        registry: Registry::Npm,
        package: "@expo-google-fonts/sue-ellen-francisco",
        path: "node_modules/@expo-google-fonts/sue-ellen-francisco/400Regular/SueEllenFrancisco_400Regular.ttf",
        sha256: "590931b228c2885c8a124ab27e16ef2e8d0887900ef0d156bae1392944025625",
        about: "Sue Ellen Francisco, tall narrow handwriting (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "the-girl-next-door",
        registry: Registry::Npm,
        package: "@expo-google-fonts/the-girl-next-door",
        path: "node_modules/@expo-google-fonts/the-girl-next-door/400Regular/TheGirlNextDoor_400Regular.ttf",
        sha256: "3089d747bc5e812f84a54674821dc405d1b7d5977259f1e0d71d1a0509dd6d15",
        about: "The Girl Next Door, neat handwriting (Kimberly Geswein, US); OFL-1.1",
    },
    FontSpec {
        name: "yomogi",
        registry: Registry::Npm,
        package: "@expo-google-fonts/yomogi",
        path: "node_modules/@expo-google-fonts/yomogi/400Regular/Yomogi_400Regular.ttf",
        sha256: "8a43b3861f7be6f22863f129ed0962c7e996a3d0a8b9db75284dcec9ffb7c525",
        about: "Yomogi, handwriting (Japan, the Yomogi Project); OFL-1.1",
    },
    FontSpec {
        name: "zen-kurenaido",
        registry: Registry::Npm,
        package: "@expo-google-fonts/zen-kurenaido",
        path: "node_modules/@expo-google-fonts/zen-kurenaido/400Regular/ZenKurenaido_400Regular.ttf",
        sha256: "89b7253fed71b11215c28f3c9b6415daded3765dd0cb417e52208db05edb96b7",
        about: "Zen Kurenaido, brush-pen handwriting (Japan, the Zen Kurenaido Project); OFL-1.1",
    },
];

impl FontSpec {
    /// Where the installed file is.
    pub fn file(&self) -> PathBuf {
        match self.registry {
            Registry::Debian => PathBuf::from(self.path),
            Registry::Npm => Path::new(NPM_DIR).join(self.path),
        }
    }

    /// How to install it, for error messages.
    fn install_hint(&self) -> String {
        match self.registry {
            Registry::Debian => format!(
                "font {} of Debian package {}; install every Debian font nnet uses with `{}`",
                self.name,
                self.package,
                install_command()
            ),
            Registry::Npm => format!(
                "font {} of npm package {}; install the npm fonts with `{NPM_COMMAND}` \
                 in the repository root",
                self.name, self.package
            ),
        }
    }
}

/// The `apt-get install` command that provides every Debian font of [`FONTS`]
/// and [`TRAINING_FONTS`] (the npm ones: [`NPM_COMMAND`]).
pub fn install_command() -> String {
    let mut pkgs: Vec<&str> = FONTS
        .iter()
        .chain(TRAINING_FONTS)
        .filter(|f| f.registry == Registry::Debian)
        .map(|f| f.package)
        .collect();
    pkgs.sort_unstable();
    pkgs.dedup();
    format!("apt-get install {}", pkgs.join(" "))
}

/// Drawings per font and digit in the committed set.
pub const VARIANTS: usize = 4;

/// Skeleton settings for a [`GLYPH_PX`]-high raster: MNIST's (for 20 px high
/// digits) with every length scaled by 4, more smoothing for the finer pixel
/// staircase, and no carving: at this size a font's bowls are open, and
/// carving would cut rings into the junctions of heavy pens.
pub fn skeleton_params() -> SkeletonParams {
    let k = GLYPH_PX / 20.0;
    let d = SkeletonParams::default();
    SkeletonParams {
        threshold: 0.5,
        min_spur: d.min_spur * k,
        min_length: d.min_length * k,
        smooth_passes: 4,
        simplify: d.simplify * k,
        carve_depth: 0.0,
    }
}

/// A loaded font.
pub struct LoadedFont {
    /// Which font.
    pub spec: FontSpec,
    font: FontVec,
}

/// Reads and checks one font file.
pub fn load(spec: &FontSpec) -> Result<LoadedFont> {
    load_from(spec, &spec.file())
}

fn load_from(spec: &FontSpec, path: &Path) -> Result<LoadedFont> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::Dataset(format!("{}: {e} ({})", path.display(), spec.install_hint()))
    })?;
    let actual = crate::fetch::sha256_hex(&bytes);
    if actual != spec.sha256 {
        return Err(Error::Checksum {
            path: path.to_path_buf(),
            expected: spec.sha256.to_owned(),
            actual,
        });
    }
    let font = FontVec::try_from_vec(bytes)
        .map_err(|e| Error::Dataset(format!("{}: not a usable font: {e}", path.display())))?;
    Ok(LoadedFont { spec: *spec, font })
}

/// All fonts of a list ([`FONTS`] or [`TRAINING_FONTS`]).
pub fn load_all(list: &[FontSpec]) -> Result<Vec<LoadedFont>> {
    list.iter().map(load).collect()
}

/// The digit's glyph as a grayscale raster (0.0 background .. 1.0 ink),
/// [`GLYPH_PX`] high plus [`PAD`] on every side: `(pixels, width, height)`.
pub fn raster(font: &LoadedFont, digit: u8) -> Result<(Vec<f32>, usize, usize)> {
    let what = || format!("font {}, digit {digit}", font.spec.name);
    let ch = char::from(b'0' + digit.min(9));
    let id = font.font.glyph_id(ch);
    if id.0 == 0 {
        return Err(Error::Dataset(format!("{}: no glyph", what())));
    }
    // PxScale maps the font's height (ascent - descent) to pixels: pick the
    // scale that makes the glyph's outline GLYPH_PX high.
    let outline = font
        .font
        .outline(id)
        .ok_or_else(|| Error::Dataset(format!("{}: empty glyph", what())))?;
    // (the unscaled bounds are y-up: min.y is the top)
    let units_high = (outline.bounds.min.y - outline.bounds.max.y).abs().max(1.0);
    let scale = GLYPH_PX * font.font.height_unscaled() / units_high;
    let glyph = font
        .font
        .outline_glyph(id.with_scale(PxScale::from(scale)))
        .ok_or_else(|| Error::Dataset(format!("{}: empty glyph", what())))?;
    let b = glyph.px_bounds();
    let (gw, gh) = ((b.max.x - b.min.x) as usize, (b.max.y - b.min.y) as usize);
    let (w, h) = (gw + 2 * PAD, gh + 2 * PAD);
    if w > skeleton::MAX_SIDE || h > skeleton::MAX_SIDE {
        return Err(Error::Dataset(format!("{}: glyph of {w}x{h} px", what())));
    }
    let mut px = vec![0.0f32; w * h];
    glyph.draw(|x, y, c| {
        let (x, y) = (x as usize + PAD, y as usize + PAD);
        if let Some(p) = (x < w).then(|| px.get_mut(y * w + x)).flatten() {
            *p = c.clamp(0.0, 1.0);
        }
    });
    Ok((px, w, h))
}

/// Radius of the box blur whose result is merged (maximum) with the raster
/// before thresholding: it closes the dry-brush streaks inside the strokes of
/// marker and brush hands, which would thin into rings, and leaves thin pen
/// lines as they are.
const BLUR_RADIUS: usize = 2;

/// Two passes (horizontal, vertical) of a `2r+1` box filter, edges clamped.
fn box_blur(px: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let n = (2 * r + 1) as f32;
    let pass = |src: &[f32], stride: usize, len: usize, lines: usize, step: usize| {
        let mut out = vec![0.0f32; src.len()];
        for l in 0..lines {
            for i in 0..len {
                let lo = i.saturating_sub(r);
                let hi = (i + r).min(len - 1);
                let mut acc = 0.0;
                for j in lo..=hi {
                    acc += src[l * stride + j * step];
                }
                out[l * stride + i * step] = acc / n;
            }
        }
        out
    };
    let horizontal = pass(px, w, w, h, 1);
    pass(&horizontal, 1, h, w, w)
}

/// The digit's pen strokes (raster pixel coordinates, y down).
pub fn strokes(font: &LoadedFont, digit: u8) -> Result<DigitStrokes> {
    let (px, w, h) = raster(font, digit)?;
    let blurred = box_blur(&px, w, h, BLUR_RADIUS);
    let px: Vec<f32> = px.iter().zip(&blurred).map(|(a, b)| a.max(*b)).collect();
    let s = skeleton::strokes_from_raster(&px, w, h, &skeleton_params()).map_err(|source| {
        Error::Skeleton {
            context: format!("font {}, digit {digit}", font.spec.name),
            source,
        }
    })?;
    if s.is_empty() {
        return Err(Error::Dataset(format!(
            "font {}, digit {digit}: the skeleton has no strokes",
            font.spec.name
        )));
    }
    Ok(s)
}

/// Record `index` of the set, from the strokes of every font's digits
/// (`glyphs[font][digit]`).
pub fn record(glyphs: &[[DigitStrokes; 10]], seed: u64, index: usize) -> Result<InkRecord> {
    draw_record(glyphs, SET_FONTS, seed, index, "handwriting-fonts")
}

/// Record `index` of a set with stream id `set`: digit `index % 10` of font
/// `(index / 10) % glyphs.len()`, drawn by the MNIST set's hand.
fn draw_record(
    glyphs: &[[DigitStrokes; 10]],
    set: u64,
    seed: u64,
    index: usize,
    name: &str,
) -> Result<InkRecord> {
    let digit = index % 10;
    let font = glyphs
        .get((index / 10) % glyphs.len().max(1))
        .ok_or_else(|| Error::Config("no fonts".into()))?;
    let mut rng = Rng::for_record(seed, set, index as u64);
    let drawn = inkset::draw(&font[digit], &HandParams::mnist(), &mut rng);
    inkset::record(digit as u8, drawn, || format!("{name} record {index}"))
}

/// Every font's ten digits as strokes.
pub fn glyph_strokes(fonts: &[LoadedFont]) -> Result<Vec<[DigitStrokes; 10]>> {
    fonts
        .iter()
        .map(|f| {
            let mut out: [DigitStrokes; 10] = Default::default();
            for (d, slot) in out.iter_mut().enumerate() {
                *slot = strokes(f, d as u8)?;
            }
            Ok(out)
        })
        .collect()
}

/// The whole set: `fonts * 10 * variants` records.
pub fn records(fonts: &[LoadedFont], seed: u64, variants: usize) -> Result<Vec<InkRecord>> {
    let glyphs = glyph_strokes(fonts)?;
    (0..glyphs.len() * 10 * variants)
        .map(|i| record(&glyphs, seed, i))
        .collect()
}

/// The training digits ([`TRAINING_PATH`]): every digit of every font once
/// (`fonts * 10` records, font by font), drawn like the evaluation set's
/// but from their own random stream; training varies them further.
pub fn training_records(fonts: &[LoadedFont], seed: u64) -> Result<Vec<InkRecord>> {
    let glyphs = glyph_strokes(fonts)?;
    (0..glyphs.len() * 10)
        .map(|i| draw_record(&glyphs, SET_TRAINING, seed, i, "training-fonts"))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The fonts, or `None` with a note when they are not installed;
    /// `NNET_REQUIRE_FONTS=1` (set by scripts/test, which installs them)
    /// turns a missing font into a failure.
    pub(crate) fn fonts_or_skip(list: &[FontSpec]) -> Option<Vec<LoadedFont>> {
        match load_all(list) {
            Ok(f) => Some(f),
            Err(e) => {
                let check = "a handwriting-fonts check";
                crate::inkset::tests::skip_unless_required("NNET_REQUIRE_FONTS", check, &e);
                None
            }
        }
    }

    /// The evaluation and the training fonts, or `None` as [`fonts_or_skip`].
    fn both_or_skip() -> Option<(Vec<LoadedFont>, Vec<LoadedFont>)> {
        Some((fonts_or_skip(FONTS)?, fonts_or_skip(TRAINING_FONTS)?))
    }

    #[test]
    fn fonts_are_distinct_and_named_once() {
        let all: Vec<&FontSpec> = FONTS.iter().chain(TRAINING_FONTS).collect();
        for (i, a) in all.iter().enumerate() {
            assert_eq!(a.sha256.len(), 64, "{}", a.name);
            for b in &all[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.path, b.path);
                assert_ne!(a.sha256, b.sha256, "{} and {}", a.name, b.name);
            }
        }
        let cmd = install_command();
        for f in all.iter().filter(|f| f.registry == Registry::Debian) {
            let times = cmd.split_whitespace().filter(|w| *w == f.package).count();
            assert_eq!(times, 1, "{cmd}");
        }
        for f in all.iter().filter(|f| f.registry == Registry::Npm) {
            assert!(!cmd.contains(f.package), "{cmd}");
        }
    }

    /// host-trainer/fonts/package.json lists exactly the npm packages of the
    /// fonts, and its lock file pins each of them.
    #[test]
    fn package_json_lists_every_npm_font_package() {
        let read = |name: &str| -> serde_json::Value {
            let path = Path::new(NPM_DIR).join(name);
            let text = std::fs::read_to_string(&path).unwrap();
            serde_json::from_str(&text).unwrap()
        };
        let manifest = read("package.json");
        let lock = read("package-lock.json");
        let deps = manifest["dependencies"].as_object().unwrap();
        let mut listed: Vec<&str> = deps.keys().map(String::as_str).collect();
        let mut used: Vec<&str> = FONTS
            .iter()
            .chain(TRAINING_FONTS)
            .filter(|f| f.registry == Registry::Npm)
            .map(|f| f.package)
            .collect();
        listed.sort_unstable();
        used.sort_unstable();
        used.dedup();
        assert_eq!(listed, used, "host-trainer/fonts/package.json");
        for (name, version) in deps {
            let locked = &lock["packages"][format!("node_modules/{name}")];
            assert_eq!(&locked["version"], version, "{name} in package-lock.json");
            assert!(
                locked["integrity"].is_string(),
                "{name} in package-lock.json"
            );
        }
    }

    /// Training and evaluation fonts come from different packages, so from
    /// different hands (a package may hold several fonts of one writer).
    #[test]
    fn training_fonts_share_no_package_with_the_evaluation_set() {
        for t in TRAINING_FONTS {
            assert!(
                FONTS.iter().all(|f| f.package != t.package),
                "{} ({}) is also an evaluation font's package",
                t.name,
                t.package
            );
        }
    }

    /// No training font is an evaluation font under another name (as the
    /// variants of one writer's font in several packages would be): compared
    /// at a common size, their ten digits differ (a plain 1 or 0 may match
    /// another hand's, so the mean over all ten digits decides).
    #[test]
    fn no_training_font_draws_the_evaluation_fonts_digits() {
        let Some((eval, train)) = both_or_skip() else {
            return;
        };
        // per font: every digit as 16x16 cells of its glyph box, each the
        // cell's share of the digit's ink
        let cells = |f: &LoadedFont| -> Vec<[f32; 256]> {
            (0..10u8)
                .map(|d| {
                    let (px, w, h) = raster(f, d).unwrap();
                    let mut c = [0.0f32; 256];
                    for y in 0..h {
                        for x in 0..w {
                            c[(y * 16 / h) * 16 + x * 16 / w] += px[y * w + x];
                        }
                    }
                    let total: f32 = c.iter().sum();
                    c.map(|v| v / total.max(1e-6))
                })
                .collect()
        };
        // mean over the digits of the L1 distance (0 = same drawing, 2 = no overlap)
        let distance = |a: &[[f32; 256]], b: &[[f32; 256]]| -> f32 {
            let sum: f32 = a
                .iter()
                .zip(b)
                .map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()).sum::<f32>())
                .sum();
            sum / 10.0
        };
        let eval: Vec<_> = eval.iter().map(|f| (f.spec.name, cells(f))).collect();
        let mut nearest = f32::INFINITY;
        for t in &train {
            let tc = cells(t);
            assert_eq!(distance(&tc, &tc), 0.0);
            for (name, ec) in &eval {
                let d = distance(&tc, ec);
                nearest = nearest.min(d);
                assert!(
                    d > 0.25,
                    "training font {} draws the digits of evaluation font {name} \
                     (distance {d:.3})",
                    t.spec.name
                );
            }
        }
        crate::note(format_args!(
            "nearest training/evaluation font pair: distance {nearest:.3}"
        ));
    }

    /// scripts/setup installs the packages of every font (the Debian list
    /// there is plain shell; this keeps it in step with `FONTS` and
    /// `TRAINING_FONTS`) and runs the npm install.
    #[test]
    fn setup_installs_every_font_package() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/setup");
        let setup = std::fs::read_to_string(&path).unwrap();
        assert!(
            setup.contains(NPM_COMMAND),
            "scripts/setup does not run `{NPM_COMMAND}`"
        );
        let debian = FONTS.iter().chain(TRAINING_FONTS);
        for f in debian.filter(|f| f.registry == Registry::Debian) {
            assert!(
                setup
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .any(|w| w == f.package),
                "scripts/setup does not install {} (font {})",
                f.package,
                f.name
            );
        }
    }

    #[test]
    fn a_missing_font_names_the_package_to_install() {
        let spec = FONTS[0];
        let e = load_from(&spec, Path::new("/nonexistent/font.ttf"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("/nonexistent/font.ttf"), "{e}");
        assert!(
            e.contains(spec.package) && e.contains("apt-get install"),
            "{e}"
        );
        let spec = *TRAINING_FONTS
            .iter()
            .find(|f| f.registry == Registry::Npm)
            .unwrap();
        let e = load_from(&spec, Path::new("/nonexistent/font.ttf"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains(spec.package) && e.contains(NPM_COMMAND) && !e.contains("apt-get"),
            "{e}"
        );
    }

    #[test]
    fn another_version_of_a_font_is_a_checksum_error() {
        let dir = crate::tmpdir::tmpdir("fontset-pin");
        let path = dir.join("other.ttf");
        std::fs::write(&path, b"not the pinned font").unwrap();
        let e = load_from(&FONTS[0], &path).err().unwrap();
        assert!(matches!(e, Error::Checksum { .. }), "{e}");
    }

    /// Every digit of every font rasterises GLYPH_PX high with ink, and its
    /// skeleton is a drawing the core's stroke path takes.
    #[test]
    fn every_digit_of_every_font_becomes_strokes() {
        let Some((eval, train)) = both_or_skip() else {
            return;
        };
        for f in eval.iter().chain(&train) {
            for d in 0..10u8 {
                let (px, w, h) = raster(f, d).unwrap();
                let glyph_h = h - 2 * PAD;
                assert!(
                    (GLYPH_PX as usize - 1..=GLYPH_PX as usize + 2).contains(&glyph_h),
                    "{} {d}: {glyph_h} px high",
                    f.spec.name
                );
                assert!(w > 2 * PAD);
                let ink = px.iter().filter(|&&p| p >= 0.5).count();
                assert!(ink > 50, "{} {d}: {ink} ink pixels", f.spec.name);
                let s = strokes(f, d).unwrap();
                assert!(
                    !s.is_empty() && s.len() <= 8,
                    "{} {d}: {} strokes",
                    f.spec.name,
                    s.len()
                );
            }
        }
    }

    /// The writer validation split: five folds of twelve fonts; one
    /// designer's fonts (those host-trainer/data/README.md credits to her) are
    /// the last fold, and each group of [`SHARED_HANDS`] shares a fold.
    #[test]
    fn font_folds_keep_a_designer_and_a_family_together() {
        let folds = training_font_folds();
        assert_eq!(folds.len(), TRAINING_FONTS.len());
        for n in 1..=FONT_FOLDS {
            let size = folds.iter().filter(|&&f| f == n).count();
            assert_eq!(size, TRAINING_FONTS.len() / FONT_FOLDS, "fold {n}");
        }
        let fold_of = |name: &str| {
            let i = TRAINING_FONTS.iter().position(|f| f.name == name);
            folds[i.unwrap_or_else(|| panic!("{name} is not a training font"))]
        };
        for name in ONE_DESIGNER {
            assert_eq!(fold_of(name), FONT_FOLDS, "{name}");
        }
        let mut grouped: Vec<&str> = SHARED_HANDS
            .iter()
            .flat_map(|g| g.iter().copied())
            .collect();
        grouped.extend(ONE_DESIGNER);
        let before = grouped.len();
        grouped.sort_unstable();
        grouped.dedup();
        assert_eq!(grouped.len(), before, "a font in two groups");
        for group in SHARED_HANDS {
            let first = fold_of(group[0]);
            for name in group {
                assert_eq!(fold_of(name), first, "{group:?}");
            }
        }
        // the groups are in the order of their first fonts, as documented
        let firsts: Vec<usize> = SHARED_HANDS
            .iter()
            .map(|g| {
                g.iter()
                    .map(|n| TRAINING_FONTS.iter().position(|f| f.name == *n).unwrap())
                    .min()
                    .unwrap()
            })
            .collect();
        assert!(firsts.windows(2).all(|w| w[0] < w[1]), "{firsts:?}");
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/README.md"))
                .unwrap();
        let mut credited: Vec<&str> = readme
            .lines()
            .filter(|l| l.starts_with("| ") && l.contains("Kimberly Geswein"))
            .map(|l| l.split('`').nth(1).unwrap_or(l))
            .collect();
        credited.sort_unstable();
        assert_eq!(
            credited, ONE_DESIGNER,
            "the README's fonts of Kimberly Geswein"
        );
    }

    /// Training fonts whose files name one designer or manufacturer (the
    /// name table's entries 9 and 8) are [`ONE_DESIGNER`]'s or in one group of
    /// [`SHARED_HANDS`], so the folds keep them together.
    #[test]
    fn fonts_that_name_one_designer_share_a_group() {
        let Some(fonts) = fonts_or_skip(TRAINING_FONTS) else {
            return;
        };
        let group_of = |name: &str| {
            if ONE_DESIGNER.contains(&name) {
                Some(0)
            } else {
                SHARED_HANDS
                    .iter()
                    .position(|g| g.contains(&name))
                    .map(|k| k + 1)
            }
        };
        let makers: Vec<Vec<String>> = fonts
            .iter()
            .map(|f| {
                let face = ttf_parser::Face::parse(f.font.as_slice(), 0).unwrap();
                face.names()
                    .into_iter()
                    .filter(|n| {
                        use ttf_parser::name_id::{DESIGNER, MANUFACTURER};
                        n.name_id == DESIGNER || n.name_id == MANUFACTURER
                    })
                    .filter_map(|n| n.to_string())
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty())
                    .collect()
            })
            .collect();
        let mut shared = 0;
        for (i, a) in fonts.iter().enumerate() {
            for (j, b) in fonts.iter().enumerate().skip(i + 1) {
                if let Some(name) = makers[i].iter().find(|n| makers[j].contains(n)) {
                    shared += 1;
                    let (ga, gb) = (group_of(a.spec.name), group_of(b.spec.name));
                    assert!(
                        ga.is_some() && ga == gb,
                        "{} and {} both name {name:?} but share no group of SHARED_HANDS",
                        a.spec.name,
                        b.spec.name
                    );
                }
            }
        }
        // Geswein's twelve alone make 66 pairs: the names were read
        assert!(shared >= 66, "{shared} pairs");
    }
}
