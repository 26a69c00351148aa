//! Each differentiable piece's gradient (candle's autograd over our ops)
//! against central finite differences, in f64 on tiny tensors; and the whole
//! tiny encoder's loss gradient, parameter by parameter.

use crate::common::*;
use candle_core::{DType, Device, Tensor, Var, D};
use nunchi_engine::{Activation, Rng};
use nunchi_models::Pooling;
use nunchi_train::loss::{cosine_similarity, cosine_similarity_loss};
use nunchi_train::ops::{activation, attention_softmax, layer_norm, linear, masked_mean};
use nunchi_train::TrainableEncoder;

const H: f64 = 1e-5;

fn random(dims: &[usize], scale: f64, rng: &mut Rng) -> Tensor {
    let n: usize = dims.iter().product();
    let v: Vec<f64> = (0..n).map(|_| scale * rng.next_signed_f32() as f64).collect();
    Tensor::from_vec(v, dims, &Device::Cpu).unwrap()
}

fn scalar(t: &Tensor) -> f64 {
    t.to_scalar::<f64>().unwrap()
}

/// Checks d f / d input for every element of every input, where `f` maps the
/// inputs to a tensor reduced to a scalar by a fixed random weighting (so
/// every output's gradient counts, each differently).
fn check(name: &str, inputs: &[Tensor], f: impl Fn(&[Tensor]) -> candle_core::Result<Tensor>) {
    let mut rng = Rng::new(99);
    let out_dims = f(inputs).unwrap().dims().to_vec();
    let weights = random(&out_dims, 1.0, &mut rng);
    let objective = |xs: &[Tensor]| -> Tensor { (f(xs).unwrap() * &weights).unwrap().sum_all().unwrap() };

    let vars: Vec<Var> = inputs.iter().map(|t| Var::from_tensor(t).unwrap()).collect();
    let grads = objective(&vars.iter().map(|v| v.as_tensor().clone()).collect::<Vec<_>>()).backward().unwrap();
    let mut worst = 0f64;
    for (k, input) in inputs.iter().enumerate() {
        let analytic = grads.get(vars[k].as_tensor()).map(|g| g.flatten_all().unwrap().to_vec1::<f64>().unwrap());
        let base = input.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        for j in 0..base.len() {
            let at = |delta: f64| {
                let mut v = base.clone();
                v[j] += delta;
                let mut xs = inputs.to_vec();
                xs[k] = Tensor::from_vec(v, input.dims(), &Device::Cpu).unwrap();
                scalar(&objective(&xs))
            };
            let numeric = (at(H) - at(-H)) / (2.0 * H);
            let got = analytic.as_ref().map_or(0.0, |g| g[j]);
            let err = (got - numeric).abs() / (1.0 + numeric.abs());
            worst = worst.max(err);
            assert!(err < 1e-7, "{name}: input {k}[{j}] autograd {got} vs finite difference {numeric}");
        }
    }
    eprintln!("{name}: worst relative error {worst:.1e}");
}

#[test]
fn linear_layer() {
    let mut rng = Rng::new(1);
    let inputs = [random(&[3, 4], 1.0, &mut rng), random(&[5, 4], 1.0, &mut rng), random(&[5], 1.0, &mut rng)];
    check("linear", &inputs, |x| linear(&x[0], &x[1], &x[2]));
}

#[test]
fn layer_norm_over_the_last_dim() {
    let mut rng = Rng::new(2);
    let x = (random(&[3, 6], 2.0, &mut rng) + 0.5).unwrap();
    let inputs = [x, (random(&[6], 0.3, &mut rng) + 1.0).unwrap(), random(&[6], 0.3, &mut rng)];
    check("layer norm", &inputs, |x| layer_norm(&x[0], &x[1], &x[2], 1e-12));
    check("layer norm (eps 1e-5)", &inputs, |x| layer_norm(&x[0], &x[1], &x[2], 1e-5));
}

#[test]
fn activations() {
    let mut rng = Rng::new(3);
    let x = [random(&[4, 5], 3.0, &mut rng)];
    check("gelu (erf)", &x, |x| activation(&x[0], Activation::GeluErf));
    check("gelu (tanh)", &x, |x| activation(&x[0], Activation::GeluTanh));
    check("relu", &x, |x| activation(&x[0], Activation::Relu));
}

#[test]
fn gelu_erf_values() {
    // x·Φ(x) at a few points, from Python's `math.erf`.
    for (x, want) in
        [(-3.0, -0.00404969409489031), (-1.0, -0.15865525393145707), (0.5, 0.34573123063700656), (2.0, 1.9544997361036416)]
    {
        let t = Tensor::new(&[x], &Device::Cpu).unwrap();
        let got: f64 = activation(&t, Activation::GeluErf).unwrap().to_vec1::<f64>().unwrap()[0];
        assert!((got - want).abs() < 1e-12, "gelu({x}) = {got}, want {want}");
    }
}

#[test]
fn gelu_erf_op_equals_candles_basic_ops_bit_for_bit() {
    // The op replaced `((x / √2).erf() + 1) · x · 0.5`; its forward keeps those values.
    let mut rng = Rng::new(5);
    let v: Vec<f32> = (0..4096).map(|_| 6.0 * rng.next_signed_f32()).collect();
    let x = Tensor::from_vec(v, (64, 64), &Device::Cpu).unwrap();
    let basic = ((&x * ((&x / std::f64::consts::SQRT_2).unwrap().erf().unwrap() + 1.0).unwrap()).unwrap() * 0.5).unwrap();
    let op = activation(&x, Activation::GeluErf).unwrap();
    let bits = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&op), bits(&basic));
    let err = activation(&x.to_dtype(DType::U32).unwrap(), Activation::GeluErf).expect_err("u32 is refused").to_string();
    assert!(err.contains("f32 or f64 only"), "{err}");
}

#[test]
fn layer_norm_op_matches_candles_basic_ops() {
    // The op replaced `centered / √(mean(centered²) + eps) · γ + β` written in basic ops.
    let mut rng = Rng::new(6);
    let mut random32 = |dims: &[usize], scale: f32| {
        let v: Vec<f32> = (0..dims.iter().product()).map(|_| scale * rng.next_signed_f32()).collect();
        Tensor::from_vec(v, dims, &Device::Cpu).unwrap()
    };
    let (x, gamma, beta) = (random32(&[48, 384], 4.0), random32(&[384], 1.0), random32(&[384], 1.0));
    let centered = x.broadcast_sub(&x.mean_keepdim(1).unwrap()).unwrap();
    let var = centered.sqr().unwrap().mean_keepdim(1).unwrap();
    let basic = centered
        .broadcast_div(&(var + 1e-12).unwrap().sqrt().unwrap())
        .unwrap()
        .broadcast_mul(&gamma)
        .unwrap()
        .broadcast_add(&beta)
        .unwrap();
    let op = layer_norm(&x, &gamma, &beta, 1e-12).unwrap();
    let diff = (op - basic).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    assert!(diff < 1e-5, "max |op − basic ops| {diff}");
    let err = layer_norm(&x, &gamma.narrow(0, 0, 10).unwrap(), &beta, 1e-12).expect_err("a short gamma is refused");
    assert!(err.to_string().contains("gamma"), "{err}");
}

#[test]
fn attention_softmax_with_a_padding_mask() {
    let mut rng = Rng::new(4);
    // Two texts of 4 keys, the first with one padded, the second with two.
    let bias = Tensor::new(&[0.0, 0.0, -1e9, 0.0, 0.0, -1e9, -1e9, 0.0], &Device::Cpu).unwrap().reshape((2, 1, 1, 4)).unwrap();
    let scores = [random(&[2, 2, 3, 4], 2.0, &mut rng)];
    check("attention softmax", &scores, |x| attention_softmax(&x[0], &bias, 0.5));
}

#[test]
fn attention_softmax_op_matches_candles_basic_ops() {
    // The op replaced `softmax(scores · scale + bias)` written in basic ops.
    let mut rng = Rng::new(8);
    let v: Vec<f32> = (0..4 * 12 * 20 * 20).map(|_| 8.0 * rng.next_signed_f32()).collect();
    let scores = Tensor::from_vec(v, (4, 12, 20, 20), &Device::Cpu).unwrap();
    let mask: Vec<f32> = (0..4 * 20).map(|i| if i % 20 < 20 - 3 * (i / 20) { 0.0 } else { -1e4 }).collect();
    let bias = Tensor::from_vec(mask, (4, 1, 1, 20), &Device::Cpu).unwrap();
    let z = (&scores * 0.125).unwrap().broadcast_add(&bias).unwrap();
    let shifted = z.broadcast_sub(&z.max_keepdim(D::Minus1).unwrap()).unwrap().exp().unwrap();
    let basic = shifted.broadcast_div(&shifted.sum_keepdim(D::Minus1).unwrap()).unwrap();
    let op = attention_softmax(&scores, &bias, 0.125).unwrap();
    let diff = (op - basic).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
    assert!(diff < 1e-7, "max |op − basic ops| {diff}");
    let err = attention_softmax(&scores, &bias.narrow(0, 0, 3).unwrap(), 0.125).expect_err("a bias per text").to_string();
    assert!(err.contains("a bias of shape"), "{err}");
}

#[test]
fn masked_mean_pooling() {
    let mut rng = Rng::new(5);
    let mask = Tensor::new(&[[1f32, 1., 1., 0.], [1., 0., 0., 0.]], &Device::Cpu).unwrap();
    let x = [random(&[2, 4, 3], 1.0, &mut rng)];
    check("masked mean", &x, |x| masked_mean(&x[0], &mask));
    // Padding rows get no gradient and change nothing.
    let out = masked_mean(&x[0], &mask).unwrap().to_vec2::<f64>().unwrap();
    let rows = x[0].to_vec3::<f64>().unwrap();
    assert!((out[1][2] - rows[1][0][2]).abs() < 1e-15);
}

#[test]
fn cosine_similarity_loss_against_targets() {
    let mut rng = Rng::new(6);
    let targets = Tensor::new(&[1.0, 0.0, 1.0], &Device::Cpu).unwrap();
    let inputs = [random(&[3, 5], 1.0, &mut rng), random(&[3, 5], 1.0, &mut rng)];
    check("cosine similarity", &inputs, |x| cosine_similarity(&x[0], &x[1]));
    check("cosine similarity loss", &inputs, |x| cosine_similarity_loss(&x[0], &x[1], &targets));
}

/// The tiny encoder end to end in f64: embeddings (word, position, type),
/// masked attention, GELU, layer norms, mean pooling and the loss, against
/// finite differences for a sample of every parameter's elements.
#[test]
fn whole_encoder_loss() {
    let config = tiny_config("bert", "gelu", 1);
    let encoder = TrainableEncoder::load_as(&random_weights(&config, 3), config, DType::F64).unwrap();
    let seqs = random_sequences(&[4, 6, 2, 5], 2, 40, 8);
    let batch = padded(&seqs);
    let targets = Tensor::new(&[1.0, 0.0], &Device::Cpu).unwrap();
    let loss = || -> f64 {
        let e = encoder.embed(&batch, Pooling::Mean).unwrap();
        let (a, b) = (e.narrow(0, 0, 2).unwrap(), e.narrow(0, 2, 2).unwrap());
        scalar(&cosine_similarity_loss(&a, &b, &targets).unwrap())
    };
    let e = encoder.embed(&batch, Pooling::Mean).unwrap();
    let grads =
        cosine_similarity_loss(&e.narrow(0, 0, 2).unwrap(), &e.narrow(0, 2, 2).unwrap(), &targets).unwrap().backward().unwrap();
    let mut rng = Rng::new(17);
    let mut worst = 0f64;
    for p in encoder.params() {
        let base = p.var.as_tensor().flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let grad = grads.get(p.var.as_tensor()).expect("every parameter has a gradient");
        let grad = grad.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        // The token rows this batch uses get gradients; sample those and a few others.
        for _ in 0..6 {
            let j = (rng.next_u64() % base.len() as u64) as usize;
            let at = |delta: f64| {
                let mut v = base.clone();
                v[j] += delta;
                p.var.set(&Tensor::from_vec(v, p.var.dims(), &Device::Cpu).unwrap()).unwrap();
                loss()
            };
            let numeric = (at(H) - at(-H)) / (2.0 * H);
            p.var.set(&Tensor::from_vec(base.clone(), p.var.dims(), &Device::Cpu).unwrap()).unwrap();
            let err = (grad[j] - numeric).abs() / (1.0 + numeric.abs());
            worst = worst.max(err);
            assert!(err < 1e-6, "{}[{j}]: autograd {} vs finite difference {numeric}", p.name, grad[j]);
        }
    }
    eprintln!("whole encoder: worst relative error {worst:.1e}");
}
