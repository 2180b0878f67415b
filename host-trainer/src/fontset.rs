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
//! Debian packages install (`apt-get install` the packages in
//! [`FONTS`]: [`install_command`]). The committed set is a drawing made with
//! the fonts, the use their licences (SIL OFL, BSD-3-Clause, GPL with the font
//! exception) allow; the fonts' SHA-256 are pinned in [`FONTS`], so a
//! different version of a package is an error naming it instead of a
//! silently different set.
//!
//! Record `i` shows digit `i % 10` of font `(i / 10) % FONTS.len()`, variant
//! `i / (10 * FONTS.len())`, from its own SplitMix64 stream like the other sets.

use std::path::Path;

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
/// Height of the rasterised digit in pixels (about four times MNIST's 20 px).
pub const GLYPH_PX: f32 = 80.0;
/// Blank border around the rasterised glyph, px.
pub const PAD: usize = 4;

/// One handwriting font: one writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FontSpec {
    /// Short name used in reports.
    pub name: &'static str,
    /// Debian package that installs it.
    pub package: &'static str,
    /// Installed path.
    pub path: &'static str,
    /// SHA-256 of the font file (Debian 12 "bookworm").
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
        package: "fonts-dkg-handwriting",
        path: "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
        sha256: "93eb07f57b84f04fa975ebf49ecec43d9b2c85834a9b63864072c6b993efd131",
        about: "Daniel Kahn Gillmor's handwriting (US); OFL-1.1",
    },
    FontSpec {
        name: "breip",
        package: "fonts-breip",
        path: "/usr/share/fonts/truetype/breip/Breip.ttf",
        sha256: "cded2aeeeb7d35baa8aa5b57df35a25836910498271d3d2eec502f6aa7033eb7",
        about: "Adam Breipohl's informal handwriting (US); OFL-1.0",
    },
    FontSpec {
        name: "bw-build",
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeBuild-Regular.otf",
        sha256: "202160d49b0cfbe8a812c5a75487058f7caba2398324214a1e6d34f24b68d855",
        about: "Because We Had To: six Red Hat associates' handwriting, one font each; OFL-1.1",
    },
    FontSpec {
        name: "bw-connect",
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeConnect-Regular.otf",
        sha256: "c9c7135605a5c8cd143b611881c93383c6804166c4770810ab0c07dbbff3aac9",
        about: "Because We Had To; OFL-1.1",
    },
    FontSpec {
        name: "bw-create",
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeCreate-Regular.otf",
        sha256: "abdbea89b7de43bccae63975af1714a26a473584341d5c395fca1cb1c51ff48f",
        about: "Because We Had To (crossed 7); OFL-1.1",
    },
    FontSpec {
        name: "bw-learn",
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf",
        sha256: "d5551a6a1449de4ee2e8ddcd0bcc3e7d292d24c61fc6515d8db9b03a65b127dd",
        about: "Because We Had To (crossed 7, heavy pen); OFL-1.1",
    },
    FontSpec {
        name: "bw-mentor",
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeMentor-Regular.otf",
        sha256: "b71888fd9a79936e44a55baf1bf0bb4e594827be890882c4fc9918409e8c2509",
        about: "Because We Had To (crossed 7); OFL-1.1",
    },
    FontSpec {
        name: "bw-organize",
        package: "fonts-bwht",
        path: "/usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf",
        sha256: "f97f8557caa4de42f743d8d4ea0851993b12c112e8713fd6d6d08881e6a24c5e",
        about: "Because We Had To; OFL-1.1",
    },
    FontSpec {
        name: "humor-sans",
        package: "fonts-humor-sans",
        path: "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
        sha256: "2ded6a27448c9ed30aaff177744e2bcf1e52e0aab018b2a8be64565df633318f",
        about: "the xkcd comic's hand lettering; OFL-1.1",
    },
    FontSpec {
        name: "kiloji",
        package: "fonts-kiloji",
        path: "/usr/share/fonts/truetype/kiloji/kiloji.ttf",
        sha256: "f75142c667d7a6ba69d18bd694a4efe68780e607b3c4382e5d30a042c96e9e41",
        about: "kilo's longhand (Japan); BSD-3-Clause",
    },
    FontSpec {
        name: "klee",
        package: "fonts-klee",
        path: "/usr/share/fonts/truetype/klee/KleeOne-Regular.ttf",
        sha256: "2e466518e3762920add16d542cb73130cbd74968d3b3e92ccbc550c5a76f815b",
        about: "Klee One, pencil handwriting (Japan, Fontworks); OFL-1.1",
    },
    FontSpec {
        name: "seto",
        package: "fonts-seto",
        path: "/usr/share/fonts/truetype/seto/setofont.ttf",
        sha256: "af54468357473617a77515436f7dca8f9376690aa514f3a7dbfc36a3b3f8229e",
        about: "setofont, handwriting (Japan); OFL-1.1",
    },
    FontSpec {
        name: "yozfont",
        package: "fonts-yozvox-yozfont-new-kana",
        path: "/usr/share/fonts/truetype/yozvox-yozfont/YOzRN_.ttf",
        sha256: "0f4d23aea18e7e25d592bfec392b3bba97aa1efbe0209f5119ad075856fc5472",
        about: "Y.Oz's handwriting (Japan); OFL-1.1",
    },
    FontSpec {
        name: "yusei-magic",
        package: "fonts-yusei-magic",
        path: "/usr/share/fonts/truetype/yusei-magic/YuseiMagic-Regular.ttf",
        sha256: "65e62d87973faaa92b473afd8fc36eeb81b738118e80223be0b2ecda74d05cb4",
        about: "permanent-marker handwriting (Japan); OFL-1.1",
    },
    FontSpec {
        name: "delphine",
        package: "fonts-sjfonts",
        path: "/usr/share/fonts/truetype/sjfonts/Delphine.ttf",
        sha256: "afeea795e392f6b8e0cc4ba3978375908d1f29f8d82f1b7b15d9fdc755a05288",
        about: "Delphine's handwriting (Switzerland: continental 1, crossed 7); GPL with font exception",
    },
    FontSpec {
        name: "stevehand",
        package: "fonts-sjfonts",
        path: "/usr/share/fonts/truetype/sjfonts/SteveHand.ttf",
        sha256: "51e0820b832b2cd3db9dc9a759520c868166ae291f19afc3d94689e668d0435e",
        about: "Steve Jordi's handwriting (Switzerland); GPL with font exception",
    },
    FontSpec {
        name: "ecolier",
        package: "fonts-ecolier-court",
        path: "/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf",
        sha256: "bdbbded05cbb318d470d36475aefe2435847e025a2c7cd3610f8f13bf8e2a829",
        about: "French school cursive (Jean-Marie Douteau); OFL-1.1",
    },
    FontSpec {
        name: "kristi",
        package: "fonts-kristi",
        path: "/usr/share/fonts/truetype/kristi/Kristi.ttf",
        sha256: "6c14164cd50b52d03d88728971285fe1dbf0d6ee8af6d29274b5d5026a0fb622",
        about: "felt-tip cursive (continental 1, open 4); OFL-1.1",
    },
    FontSpec {
        name: "havana",
        package: "fonts-havana",
        path: "/usr/share/fonts/opentype/havana/Havana-Regular.otf",
        sha256: "f0f4e84f9903c32706691df31e422e0ab919eb9569702100dfc1dff7ca184562",
        about: "Polish script (continental 1, crossed 7); OFL-1.1",
    },
];

/// The fonts of the training digits (`train --augment`), in record order:
/// other hands than [`FONTS`] (no package, file or digit glyph in common;
/// tested), handwriting and hand-lettering from Debian packages whose
/// licences allow drawings made with them (SIL OFL, GPL with the font
/// exception, public domain).
pub const TRAINING_FONTS: &[FontSpec] = &[
    FontSpec {
        name: "rufscript",
        package: "fonts-rufscript",
        path: "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
        sha256: "99b16515f19ab35d18049235797b0dbe3ec73535d455994442b206c96405050f",
        about: "Rufscript, handwriting-based (Hubert Jocham); GPL-3+ with font exception",
    },
    FontSpec {
        name: "dancing-script",
        package: "fonts-dancingscript",
        path: "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
        sha256: "38178945aaefdea573f4998d8b984985aaebb95964da337b23e77e682d7d3d17",
        about: "Dancing Script, casual script (Pablo Impallari); OFL-1.1",
    },
    FontSpec {
        name: "kaushan-script",
        package: "fonts-kaushanscript",
        path: "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf",
        sha256: "c007ebe4c813374ed02da003394b73b39fa709ff5891c5613733c96be595ba28",
        about: "Kaushan Script, quick brush writing (Germany); OFL-1.1",
    },
    FontSpec {
        name: "comic-neue",
        package: "fonts-comic-neue",
        path: "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
        sha256: "2728ee8f303e31934e62bf27b044fd7657b0613412d51f7444db1078cc3a7cb2",
        about: "Comic Neue, comic lettering; OFL-1.1",
    },
    FontSpec {
        name: "tomson-talks",
        package: "fonts-tomsontalks",
        path: "/usr/share/fonts/truetype/tomsontalks/TomsonTalks.ttf",
        sha256: "f7beeee4f3e11e38281f528dcf8a20218c6ce9b7a5b2acdca9f8bef303dd8526",
        about: "Tomson Talks, comic lettering; OFL-1.1",
    },
    FontSpec {
        name: "cabin-sketch",
        package: "fonts-cabinsketch",
        path: "/usr/share/fonts/truetype/cabinsketch/CabinSketch-Regular.ttf",
        sha256: "e87bf418e498424284c289c6ba57eaba29f2fc072ee780326823650a67a48f4f",
        about: "Cabin Sketch, sketched pen lettering; OFL-1.1",
    },
    FontSpec {
        name: "purisa",
        package: "fonts-tlwg-purisa-ttf",
        path: "/usr/share/fonts/truetype/tlwg/Purisa.ttf",
        sha256: "cceae46a2c8862c20971b9e7c5297b4c23decda9a674c0eea7ddbd3c799b14dd",
        about: "Purisa, handwriting (Thailand, TLWG); GPL-2+ with font exception",
    },
    FontSpec {
        name: "nanum-pen",
        package: "fonts-nanum-extra",
        path: "/usr/share/fonts/truetype/nanum/NanumPen.ttf",
        sha256: "0e1e2cc07fd5c5d181936ecaf97363263a8d4ae6b6151039ea83cb9002b63152",
        about: "Nanum Pen Script, pen handwriting (Korea, Naver); OFL-1.1",
    },
    FontSpec {
        name: "nanum-brush",
        package: "fonts-nanum-extra",
        path: "/usr/share/fonts/truetype/nanum/NanumBrush.ttf",
        sha256: "5fe0e02f74c58aa25ba49908fb6775bcb7d00d19ddd68b480b51a926f5ca12ec",
        about: "Nanum Brush Script, brush handwriting (Korea, Naver); OFL-1.1",
    },
    FontSpec {
        name: "nanum-barunpen",
        package: "fonts-nanum-extra",
        path: "/usr/share/fonts/truetype/nanum/NanumBarunpenR.ttf",
        sha256: "f5bd6993e8376e7f0796837ba0e50e006eb1f568f5dbb571e18d66847ff4f9c0",
        about: "Nanum Barun Pen, neat pen handwriting (Korea, Naver); OFL-1.1",
    },
    FontSpec {
        name: "navilu",
        package: "fonts-navilu",
        path: "/usr/share/fonts/truetype/Navilu/Navilu.ttf",
        sha256: "4d324f4050163d7ac311676ac5038f7866d68170a5a4b60b6cb92866f8f9f647",
        about: "Navilu, handwriting (India); OFL-1.1",
    },
    FontSpec {
        name: "leckerli-one",
        package: "fonts-leckerli-one",
        path: "/usr/share/fonts/truetype/leckerli-one/LeckerliOne-Regular.ttf",
        sha256: "3f38ed99a07ab426eaa64c7d5773850a5dc8e6719b03125efce2cfbc82b083d7",
        about: "Leckerli One, bold handwritten display; OFL-1.1",
    },
    FontSpec {
        name: "lobster",
        package: "fonts-lobster",
        path: "/usr/share/fonts/opentype/lobster/lobster.otf",
        sha256: "4605f4c5aac8d4bb55a28a63db6c1dd06394d4b6e0cb157f61603fb26021a617",
        about: "Lobster, bold script; OFL-1.1",
    },
    FontSpec {
        name: "aoyagi-soseki",
        package: "fonts-aoyagi-soseki",
        path: "/usr/share/fonts/truetype/aoyagi-soseki/aoyagi-soseki.ttf",
        sha256: "40b77688adac33d2a19d080d721afd5cb6b12b7c3ef523c354ed8ec5da4e440f",
        about: "Aoyagi Soseki, brush handwriting (Japan); public domain",
    },
    FontSpec {
        name: "kouzan-mouhitsu",
        package: "fonts-kouzan-mouhitsu",
        path: "/usr/share/fonts/truetype/kouzan-mouhitsu/kouzan-mouhitsu.ttf",
        sha256: "582f269574e71336f1ee8318664ff6cfafd84293b3267ddf39410015713c951e",
        about: "Kouzan Mouhitsu, brush handwriting (Japan); public domain",
    },
    FontSpec {
        name: "aoyagi-kouzan-t",
        package: "fonts-aoyagi-kouzan-t",
        path: "/usr/share/fonts/truetype/aoyagi-kouzan-t/AoyagiKouzanT.ttf",
        sha256: "233d623f88c083631521c909950ce3046eb9f89d444a0a8be4c80ac50019fcbd",
        about: "Aoyagi Kouzan T, brush handwriting (Japan); public domain",
    },
    FontSpec {
        name: "chilanka",
        package: "fonts-smc-chilanka",
        path: "/usr/share/fonts/opentype/malayalam/Chilanka-Regular.otf",
        sha256: "a8ac6dd044f5039e2c0de5af84995ff66f5c07e66eb86a59313e5a0fe7c61dfe",
        about: "Chilanka, handwriting (India, Malayalam; Santhosh Thottingal, SMC); OFL-1.1",
    },
    FontSpec {
        name: "fantasque-sans",
        package: "fonts-fantasque-sans",
        path: "/usr/share/fonts/truetype/fantasque-sans/Normal/TTF/FantasqueSansMono-Regular.ttf",
        sha256: "5fa1f36afb10356186928d801941a059803a6c80a6a7b2fb71f1464494d18b67",
        about: "Fantasque Sans Mono, handwriting-like lettering (Jany Belluz); OFL-1.1",
    },
    FontSpec {
        name: "bm-kirang-haerang",
        package: "fonts-woowa-bm",
        path: "/usr/share/fonts/truetype/woowa-bm/BMKIRANGHAERANG-TTF.ttf",
        sha256: "d0973f3a497b42d999af2f163c63e2ebe4952c5de645d61228d2dbda13457a3f",
        about: "BM Kirang Haerang, hand lettering (Korea, Woowa Brothers); OFL-1.1",
    },
    FontSpec {
        name: "bm-yeonsung",
        package: "fonts-woowa-bm",
        path: "/usr/share/fonts/truetype/woowa-bm/BMYEONSUNG_ttf.ttf",
        sha256: "154d22ee908e6d5ac11acb3526a8dd5c6963a9379abe81330df0b1453080f63e",
        about: "BM Yeonsung, hand lettering (Korea, Woowa Brothers); OFL-1.1",
    },
    FontSpec {
        name: "bm-jua",
        package: "fonts-woowa-bm",
        path: "/usr/share/fonts/truetype/woowa-bm/BMJUA_ttf.ttf",
        sha256: "e8e6aa8b1b662c7bf0d7f136f29e822e0985176458a6e5d0ba08afc4a5c901a9",
        about: "BM Jua, hand-painted sign lettering (Korea, Woowa Brothers); OFL-1.1",
    },
    FontSpec {
        name: "bm-hanna-pro",
        package: "fonts-woowa-bm",
        path: "/usr/share/fonts/truetype/woowa-bm/BMHANNAPro.ttf",
        sha256: "46dd67f836604840fe5abf9695d7982f396406260465fc225136ea23bed18e0a",
        about: "BM Hanna Pro, hand-painted sign lettering (Korea, Woowa Brothers); OFL-1.1",
    },
    FontSpec {
        name: "gfs-gazis",
        package: "fonts-gfs-gazis",
        path: "/usr/share/fonts/opentype/gazis/GFSGazis.otf",
        sha256: "5613607179d2aea6bddd7dcd2b1db35d926f80e6f2b3af687dc0f0722dde1bc0",
        about: "GFS Gazis, cursive hand (Greece, Greek Font Society); OFL-1.1",
    },
];

/// The `apt-get install` command that provides every font of [`FONTS`] and
/// [`TRAINING_FONTS`].
pub fn install_command() -> String {
    let mut pkgs: Vec<&str> = FONTS
        .iter()
        .chain(TRAINING_FONTS)
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
    load_from(spec, Path::new(spec.path))
}

fn load_from(spec: &FontSpec, path: &Path) -> Result<LoadedFont> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::Dataset(format!(
            "{}: {e} (font {} of package {}; install every font nnet uses with `{}`)",
            path.display(),
            spec.name,
            spec.package,
            install_command()
        ))
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
        for f in &all {
            let times = cmd.split_whitespace().filter(|w| *w == f.package).count();
            assert_eq!(times, 1, "{cmd}");
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

    /// scripts/setup installs the packages of every font (the list there is
    /// plain shell; this keeps it in step with `FONTS` and `TRAINING_FONTS`).
    #[test]
    fn setup_installs_every_font_package() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/setup");
        let setup = std::fs::read_to_string(&path).unwrap();
        for f in FONTS.iter().chain(TRAINING_FONTS) {
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
    }

    #[test]
    fn another_version_of_a_font_is_a_checksum_error() {
        let dir = std::env::temp_dir().join(format!("nnet-fontset-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("other.ttf");
        std::fs::write(&path, b"not the pinned font").unwrap();
        let e = load_from(&FONTS[0], &path).err().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
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
}
