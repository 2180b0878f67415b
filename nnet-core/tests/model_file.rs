//! Property tests: the model-file reader never panics, whatever the bytes,
//! and every corruption of a valid file is either rejected or (for the few
//! bytes that carry no meaning, like metadata text) yields a valid model.
use nnet_core::format::{ModelView, OwnedMetadata, OwnedModel};
use nnet_core::{Error, INPUT, OUTPUT};
use proptest::prelude::*;

fn sample(h: usize) -> Vec<u8> {
    let v = |n: usize| {
        (0..n)
            .map(|i| (i as f32 * 0.37).sin())
            .collect::<Vec<f32>>()
    };
    OwnedModel {
        hidden: h,
        meta: OwnedMetadata {
            dataset: "mnist".into(),
            seed: 1,
            epochs: 2,
            test_accuracy: Some(0.9),
            notes: "property test".into(),
        },
        w1: v(h * INPUT),
        b1: v(h),
        w2: v(OUTPUT * h),
        b2: v(OUTPUT),
    }
    .to_bytes()
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = ModelView::parse(&bytes);
        let _ = OwnedModel::from_bytes(&bytes);
    }

    #[test]
    fn random_bytes_behind_a_valid_prefix_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = b"NNET\x01\x00".to_vec();
        bytes.extend_from_slice(&tail);
        prop_assert!(ModelView::parse(&bytes).is_err());
    }

    #[test]
    fn corrupted_files_are_rejected(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                                    cut in any::<prop::sample::Index>()) {
        let good = sample(2);
        let mut bad = good.clone();
        for (i, b) in &edits {
            let i = i.index(bad.len());
            bad[i] ^= b | 1; // always flips at least one bit
        }
        // a changed file fails an earlier check or its checksum (a random change slips past CRC-32 with probability 2^-32)
        prop_assert!(OwnedModel::from_bytes(&bad).is_err());
        let cut = cut.index(good.len());
        prop_assert!(OwnedModel::from_bytes(&good[..cut]).is_err());
    }
}

#[test]
fn owned_load_of_a_valid_file_gives_a_working_network() {
    let m = OwnedModel::from_bytes(&sample(4)).unwrap();
    let mlp = m.mlp::<4>().unwrap();
    assert!(mlp.predict(&[0.25; INPUT]).is_ok());
    assert_eq!(
        m.mlp::<5>().unwrap_err(),
        Error::SizeMismatch {
            expected_hidden: 5,
            found_hidden: 4
        }
    );
}

/// A hidden size no file holds is refused before any size is computed from it:
/// an error, not an overflow, on 64-bit hosts and 32-bit targets alike.
#[test]
fn huge_hidden_sizes_are_refused_before_their_sizes_are_computed() {
    use nnet_core::format::{
        Activation, Header, Metadata, OwnedQuantModel, WeightType, MAX_HIDDEN,
    };
    for hidden in [0, MAX_HIDDEN as usize + 1, usize::MAX / 100, usize::MAX] {
        let f32_model = OwnedModel {
            hidden,
            meta: OwnedMetadata::default(),
            w1: vec![],
            b1: vec![],
            w2: vec![],
            b2: vec![],
        };
        assert_eq!(
            f32_model.to_bytes(),
            Err(Error::UnsupportedShape),
            "{hidden}"
        );
        let int8_model = OwnedQuantModel {
            hidden,
            meta: OwnedMetadata::default(),
            s1: vec![],
            b1: vec![],
            s2: vec![],
            b2: vec![],
            w1q: vec![],
            w2q: vec![],
        };
        assert_eq!(
            int8_model.to_bytes(),
            Err(Error::UnsupportedShape),
            "{hidden}"
        );
    }
    // a header's sizes never overflow: counted for at most MAX_HIDDEN units
    for weight_type in [WeightType::F32, WeightType::Int8] {
        let header = |hidden| Header {
            input: INPUT as u32,
            hidden,
            output: OUTPUT as u32,
            activation: Activation::Sigmoid,
            weight_type,
            meta: Metadata {
                dataset: "",
                seed: 0,
                epochs: 0,
                test_accuracy: None,
                notes: "",
            },
        };
        assert_eq!(
            header(u32::MAX).payload_len(),
            header(MAX_HIDDEN).payload_len()
        );
        assert_eq!(
            header(u32::MAX).parameter_count(),
            header(MAX_HIDDEN).parameter_count()
        );
    }
}

/// `format::read_file` reads a file of up to `MAX_FILE_LEN` bytes and refuses a longer one
/// (or an endless one) without reading it all.
#[test]
fn read_file_refuses_what_is_longer_than_any_model_file() {
    use nnet_core::format::{read_file, MAX_FILE_LEN};
    let dir = std::env::temp_dir().join(format!("nnet-read-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("long.nnet");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MAX_FILE_LEN as u64).unwrap();
    assert_eq!(read_file(&path).unwrap().len(), MAX_FILE_LEN);
    file.set_len(MAX_FILE_LEN as u64 + 1).unwrap();
    let err = read_file(&path).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
    assert!(
        err.to_string().contains("longer than any model file"),
        "{err}"
    );
    #[cfg(unix)]
    assert_eq!(
        read_file(std::path::Path::new("/dev/zero"))
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::FileTooLarge
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
