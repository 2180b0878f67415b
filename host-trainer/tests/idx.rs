//! IDX parsing: good files (raw and gzip), truncated files, wrong magic
//! numbers, mismatched counts, and errors that name the file.
use std::io::Write;
use std::path::{Path, PathBuf};

use host_trainer::idx::{self, encode_pair, Split};
use host_trainer::Error;

mod common;

fn tmpdir(name: &str) -> common::TmpDir {
    common::tmpdir(&format!("idx-{name}"))
}

fn sample(n: usize) -> (Vec<[u8; 784]>, Vec<u8>) {
    let imgs = (0..n)
        .map(|i| {
            let mut a = [0u8; 784];
            for (k, v) in a.iter_mut().enumerate() {
                *v = ((i * 31 + k * 7) % 256) as u8;
            }
            a
        })
        .collect();
    let labels = (0..n).map(|i| (i % 10) as u8).collect();
    (imgs, labels)
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn reads_good_raw_and_gz_files() {
    let d = tmpdir("good");
    let (imgs, labels) = sample(12);
    let (im, lb) = encode_pair(&imgs, &labels);
    write(&d, "train-images-idx3-ubyte", &im);
    write(&d, "train-labels-idx1-ubyte", &lb);
    // test split only as .gz, with Fashion/EMNIST-like names
    write(&d, "emnist-digits-test-images-idx3-ubyte.gz", &gz(&im[..]));
    write(&d, "emnist-digits-test-labels-idx1-ubyte.gz", &gz(&lb[..]));
    let tr = idx::load(&d, Split::Train).unwrap();
    let te = idx::load(&d, Split::Test).unwrap();
    assert_eq!(tr.len(), 12);
    assert_eq!(tr.labels, labels);
    assert_eq!(tr.images, te.images);
    assert_eq!(tr.image(3)[5], f32::from(imgs[3][5]) / 255.0);
    assert!(tr.images.iter().all(|v| (0.0..=1.0).contains(v)));

    // a directory of links to those files reads the same (a shared copy of MNIST)
    #[cfg(unix)]
    {
        let links = tmpdir("links");
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            std::os::unix::fs::symlink(&p, links.join(p.file_name().unwrap())).unwrap();
        }
        std::fs::create_dir(links.join("train-dir-idx3-not-a-file")).unwrap();
        let linked = idx::load(&links, Split::Train).unwrap();
        assert_eq!((linked.images, linked.labels), (tr.images, tr.labels));
    }
}

#[test]
fn truncated_file_is_an_error_naming_it() {
    let d = tmpdir("trunc");
    let (imgs, labels) = sample(3);
    let (im, lb) = encode_pair(&imgs, &labels);
    let ip = write(&d, "train-images-idx3-ubyte", &im[..im.len() - 100]);
    write(&d, "train-labels-idx1-ubyte", &lb);
    let e = idx::load(&d, Split::Train).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Idx { .. }), "{e:?}");
    assert!(
        msg.contains(&ip.display().to_string()) && msg.contains("truncated"),
        "{msg}"
    );
    // header cut short, and an empty file
    for bytes in [&im[..10], &im[..2], &[][..]] {
        write(&d, "train-images-idx3-ubyte", bytes);
        let msg = idx::load(&d, Split::Train).unwrap_err().to_string();
        assert!(
            msg.contains("train-images-idx3-ubyte") && msg.contains("truncated"),
            "{msg}"
        );
    }
    // a truncated gzip stream
    let g = gz(&im);
    std::fs::remove_file(d.join("train-images-idx3-ubyte")).unwrap();
    write(&d, "train-images-idx3-ubyte.gz", &g[..g.len() / 2]);
    let msg = idx::load(&d, Split::Train).unwrap_err().to_string();
    assert!(msg.contains("train-images-idx3-ubyte.gz"), "{msg}");
}

#[test]
fn wrong_magic_is_an_error_naming_it() {
    let d = tmpdir("magic");
    let (imgs, labels) = sample(3);
    let (mut im, lb) = encode_pair(&imgs, &labels);
    im[2] = 0x0d; // float data instead of unsigned bytes
    write(&d, "train-images-idx3-ubyte", &im);
    write(&d, "train-labels-idx1-ubyte", &lb);
    let msg = idx::load(&d, Split::Train).unwrap_err().to_string();
    assert!(
        msg.contains("train-images-idx3-ubyte") && msg.contains("magic"),
        "{msg}"
    );
    // label and image files swapped: shapes do not fit
    let (im, lb) = encode_pair(&imgs, &labels);
    write(&d, "train-images-idx3-ubyte", &lb);
    write(&d, "train-labels-idx1-ubyte", &im);
    let msg = idx::load(&d, Split::Train).unwrap_err().to_string();
    assert!(
        msg.contains("train-images-idx3-ubyte") && msg.contains("shape"),
        "{msg}"
    );
    // an images file whose header says labels: the shape is named, not the size
    let mut relabelled = im.clone();
    relabelled.splice(0..16, [0, 0, 8, 1, 0, 0, 0, 3]);
    for (name, bytes) in [
        ("train-images-idx3-ubyte", relabelled.clone()),
        ("train-images-idx3-ubyte.gz", gz(&relabelled)),
    ] {
        let _ = std::fs::remove_file(d.join("train-images-idx3-ubyte"));
        write(&d, "train-labels-idx1-ubyte", &lb);
        write(&d, name, &bytes);
        let msg = idx::load(&d, Split::Train).unwrap_err().to_string();
        assert!(
            msg.contains(name)
                && msg.contains(
                    "expected images of shape [n, 28, 28] (3 dimensions), found 1 dimensions [3]"
                ),
            "{msg}"
        );
    }
    // trailing garbage
    let mut long = im.clone();
    long.extend_from_slice(&[1, 2, 3]);
    let msg = idx::parse_idx(&long, Path::new("x.idx"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("x.idx") && msg.contains("trailing"), "{msg}");
}

/// A gzip file is inflated only as far as its header declares: a file that
/// is not IDX, or an IDX file followed by far more data (a gzip bomb), stops
/// there, before a damaged or huge rest of the stream is read.
#[test]
fn gzip_is_inflated_only_as_far_as_the_header_declares() {
    let d = tmpdir("gzbomb");
    let (imgs, labels) = sample(2);
    let (im, _) = encode_pair(&imgs, &labels);
    // a valid gzip stream whose tail is damaged
    let damaged = |data: &[u8]| {
        let mut g = gz(data);
        let n = g.len();
        for b in &mut g[n - 4_000..n - 8] {
            *b ^= 0x5a;
        }
        g
    };
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut not_idx = b"PK\x03\x04".to_vec();
    not_idx.extend_from_slice(&noise);
    let p = write(&d, "not-idx.gz", &damaged(&not_idx));
    let msg = idx::read_idx(&p).unwrap_err().to_string();
    assert!(msg.contains("not-idx.gz") && msg.contains("magic"), "{msg}");
    let mut long = im.clone();
    long.extend_from_slice(&noise);
    let p = write(&d, "long.gz", &damaged(&long));
    let msg = idx::read_idx(&p).unwrap_err().to_string();
    assert!(
        msg.contains("long.gz") && msg.contains("trailing data after the 1568 data bytes"),
        "{msg}"
    );
    // 256 MiB of zeros after the data: refused without inflating them
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&im).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        e.write_all(&zeros).unwrap();
    }
    let p = write(&d, "bomb.gz", &e.finish().unwrap());
    let msg = idx::read_idx(&p).unwrap_err().to_string();
    assert!(msg.contains("trailing data"), "{msg}");
    // the exact file still reads
    let p = write(&d, "exact.gz", &gz(&im));
    assert_eq!(idx::read_idx(&p).unwrap().dims, vec![2, 28, 28]);
}

#[test]
fn mismatched_counts_and_bad_labels_are_errors() {
    let d = tmpdir("count");
    let (imgs, labels) = sample(5);
    let (im, _) = encode_pair(&imgs, &labels);
    let (_, lb4) = encode_pair(&imgs[..4], &labels[..4]);
    write(&d, "train-images-idx3-ubyte", &im);
    write(&d, "train-labels-idx1-ubyte", &lb4);
    let msg = idx::load(&d, Split::Train).unwrap_err().to_string();
    assert!(
        msg.contains("count mismatch") && msg.contains("5 images") && msg.contains("4 labels"),
        "{msg}"
    );
    let mut bad = labels.clone();
    bad[2] = 10;
    let (_, lb) = encode_pair(&imgs, &bad);
    write(&d, "train-labels-idx1-ubyte", &lb);
    let msg = idx::load(&d, Split::Train).unwrap_err().to_string();
    assert!(
        msg.contains("train-labels-idx1-ubyte") && msg.contains("label 10"),
        "{msg}"
    );
}

#[test]
fn missing_files_say_how_to_get_them() {
    let d = tmpdir("missing");
    let msg = idx::load(&d, Split::Test).unwrap_err().to_string();
    assert!(msg.contains("fetch-mnist"), "{msg}");
    let msg = idx::load(&d.join("nope"), Split::Train)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("nope"), "{msg}");
}
