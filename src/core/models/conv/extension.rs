//! [`kernel`]'s convolution and [`pool`]'s max pooling as a burn backend extension: on the flex
//! (CPU) backend float32 tensors without groups or dilation run cadet's kernels, forward and
//! backward; everything else (the GPU, other shapes and types) runs burn's own operations.

use burn::backend::TensorMetadata;
use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients as GraphGradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::backend::ops::conv::calculate_pool_output_size;
use burn::backend::tensor::FloatTensor;
use burn::backend::tensor::IntTensor;
use burn::backend::{Autodiff, Backend, Flex, backend_extension, get_or_init_device_settings};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{DType, Element, TensorData};

use super::kernel::{self, ConvGeometry, Wanted};
use super::pool::{self, PoolGeometry};

/// The convolution and max pooling every cadet network calls (see [`super::conv2d`] and
/// [`super::max_pool2d`]). A convolution without bias passes zeros, which no gradient reaches
/// (the macro cannot route an optional tensor).
#[backend_extension(Flex, Cube, Fusion, Autodiff)]
pub trait CadetOps: Backend {
    #[fusion(default)]
    fn cadet_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d(x, weight, Some(bias), options)
    }

    #[fusion(default)]
    fn cadet_max_pool2d(x: FloatTensor<Self>, options: PoolOptions) -> FloatTensor<Self> {
        burn_ops::max_pool2d::<Self>(x, options)
    }
}

/// A max pooling without dilation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolOptions {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub ceil_mode: bool,
}

/// What training needs of a concrete backend besides [`CadetOps`]: the convolution's gradients
/// and max pooling with the positions of its maxima, burn's own unless overridden.
pub trait CadetGrad: Backend {
    fn cadet_conv2d_grads(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        options: ConvOptions<2>,
        wanted: Wanted,
    ) -> [Option<FloatTensor<Self>>; 3] {
        burn_ops::conv2d_grads::<Self>(x, weight, bias, dy, options, wanted)
    }

    fn cadet_max_pool2d_with_indices(
        x: FloatTensor<Self>,
        options: PoolOptions,
    ) -> (FloatTensor<Self>, IntTensor<Self>) {
        burn_ops::max_pool2d_with_indices::<Self>(x, options)
    }

    fn cadet_max_pool2d_backward(
        x: FloatTensor<Self>,
        options: PoolOptions,
        dy: FloatTensor<Self>,
        indices: IntTensor<Self>,
    ) -> FloatTensor<Self> {
        burn_ops::max_pool2d_backward::<Self>(x, options, dy, indices)
    }
}

/// burn's own operations: the GPU's, and the CPU's for what cadet's kernels leave to burn.
mod burn_ops {
    use super::*;

    pub fn conv2d_grads<B: Backend>(
        x: FloatTensor<B>,
        weight: FloatTensor<B>,
        bias: FloatTensor<B>,
        dy: FloatTensor<B>,
        options: ConvOptions<2>,
        wanted: Wanted,
    ) -> [Option<FloatTensor<B>>; 3] {
        let dx = wanted.x.then(|| B::conv2d_x_backward(x.clone(), weight.clone(), dy.clone(), options.clone()));
        let db = wanted.bias.then(|| B::conv2d_bias_backward(x.clone(), bias, dy.clone()));
        let dw = wanted.weight.then(|| B::conv2d_weight_backward(x, weight, dy, options));
        [dx, dw, db]
    }

    pub fn max_pool2d<B: Backend>(x: FloatTensor<B>, options: PoolOptions) -> FloatTensor<B> {
        let PoolOptions { kernel, stride, padding, ceil_mode } = options;
        B::max_pool2d(x, kernel, stride, padding, [1, 1], ceil_mode)
    }

    pub fn max_pool2d_with_indices<B: Backend>(
        x: FloatTensor<B>,
        options: PoolOptions,
    ) -> (FloatTensor<B>, IntTensor<B>) {
        let PoolOptions { kernel, stride, padding, ceil_mode } = options;
        let int_dtype = get_or_init_device_settings::<B>(&x.device()).int_dtype;
        let pooled = B::max_pool2d_with_indices(x, kernel, stride, padding, [1, 1], ceil_mode, int_dtype);
        (pooled.output, pooled.indices)
    }

    pub fn max_pool2d_backward<B: Backend>(
        x: FloatTensor<B>,
        options: PoolOptions,
        dy: FloatTensor<B>,
        indices: IntTensor<B>,
    ) -> FloatTensor<B> {
        let PoolOptions { kernel, stride, padding, ceil_mode } = options;
        B::max_pool2d_with_indices_backward(x, kernel, stride, padding, [1, 1], ceil_mode, dy, indices).x_grad
    }
}

impl CadetGrad for burn::backend::Cube {}
impl CadetOps for burn::backend::Cube {}

/// The geometry when cadet's kernel applies: float32 NCHW, no groups, no dilation.
fn geometry(x: &FlexTensor, weight: &FlexTensor, options: &ConvOptions<2>) -> Option<ConvGeometry> {
    let f32s = x.dtype() == DType::F32 && weight.dtype() == DType::F32;
    if !f32s || options.groups != 1 || options.dilation != [1, 1] {
        return None;
    }
    let [batch, channels, height, width] = x.shape().dims();
    let [filters, weight_channels, kh, kw] = weight.shape().dims();
    let g = ConvGeometry {
        batch,
        channels,
        height,
        width,
        filters,
        kernel: [kh, kw],
        stride: options.stride,
        padding: options.padding,
    };
    (weight_channels == channels && g.output_size().is_some()).then_some(g)
}

/// The tensor's elements in row-major order (those of type `E`: the callers checked it).
fn values<E: Element + bytemuck::Pod>(t: &FlexTensor) -> std::borrow::Cow<'_, [E]> {
    match t.as_slice::<E>() {
        Some(slice) => slice.into(),
        None => t.to_contiguous().as_slice::<E>().map(<[E]>::to_vec).unwrap_or_default().into(),
    }
}

fn flex(values: Vec<f32>, shape: impl Into<burn::tensor::Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.into()))
}

impl CadetOps for Flex {
    fn cadet_conv2d(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
        let Some(g) = geometry(&x, &weight, &options) else {
            return Self::conv2d(x, weight, Some(bias), options);
        };
        let out = kernel::forward(&g, &values(&x), &values(&weight), Some(&values(&bias)));
        let [rows, cols] = g.output_size().unwrap_or([0, 0]);
        flex(out, [g.batch, g.filters, rows, cols])
    }

    fn cadet_max_pool2d(x: FlexTensor, options: PoolOptions) -> FlexTensor {
        match pool_geometry(&x, &options) {
            Some(g) => flex(pool::forward(&g, &values(&x)).0, pooled_shape(&x, &g)),
            None => burn_ops::max_pool2d::<Self>(x, options),
        }
    }
}

/// The geometry when cadet's pooling applies: float32 NCHW.
fn pool_geometry(x: &FlexTensor, options: &PoolOptions) -> Option<PoolGeometry> {
    if x.dtype() != DType::F32 {
        return None;
    }
    let [batch, channels, height, width] = x.shape().dims();
    let size = |axis: usize, extent: usize| {
        let (k, s, p) = (options.kernel[axis], options.stride[axis], options.padding[axis]);
        (extent + 2 * p >= k).then(|| calculate_pool_output_size(k, s, p, 1, extent, options.ceil_mode))
    };
    Some(PoolGeometry {
        planes: batch * channels,
        height,
        width,
        kernel: options.kernel,
        stride: options.stride,
        padding: options.padding,
        output: [size(0, height)?, size(1, width)?],
    })
}

fn pooled_shape(x: &FlexTensor, g: &PoolGeometry) -> [usize; 4] {
    let [batch, channels, _, _] = x.shape().dims();
    [batch, channels, g.output[0], g.output[1]]
}

impl CadetGrad for Flex {
    fn cadet_max_pool2d_with_indices(x: FlexTensor, options: PoolOptions) -> (FlexTensor, FlexTensor) {
        let Some(g) = pool_geometry(&x, &options) else {
            return burn_ops::max_pool2d_with_indices::<Self>(x, options);
        };
        let (out, arg) = pool::forward(&g, &values(&x));
        let shape = pooled_shape(&x, &g);
        (flex(out, shape), FlexTensor::from_data(TensorData::new(arg, shape)))
    }

    fn cadet_max_pool2d_backward(
        x: FlexTensor,
        options: PoolOptions,
        dy: FlexTensor,
        indices: FlexTensor,
    ) -> FlexTensor {
        let Some(g) = pool_geometry(&x, &options) else {
            return burn_ops::max_pool2d_backward::<Self>(x, options, dy, indices);
        };
        flex(pool::backward(&g, &values(&dy), &values(&indices)), x.shape())
    }

    fn cadet_conv2d_grads(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        dy: FlexTensor,
        options: ConvOptions<2>,
        wanted: Wanted,
    ) -> [Option<FlexTensor>; 3] {
        let Some(g) = geometry(&x, &weight, &options) else {
            return burn_ops::conv2d_grads::<Self>(x, weight, bias, dy, options, wanted);
        };
        let grads = kernel::backward(&g, &values(&x), &values(&weight), &values(&dy), wanted);
        [
            wanted.x.then(|| flex(grads.x, x.shape())),
            wanted.weight.then(|| flex(grads.weight, weight.shape())),
            wanted.bias.then(|| flex(grads.bias, [g.filters])),
        ]
    }
}

#[derive(Debug)]
struct ConvBackward;

impl<B: Backend + CadetGrad> Backward<B, 3> for ConvBackward {
    type State = (NodeId, NodeId, NodeId, ConvOptions<2>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut GraphGradients, checkpointer: &mut Checkpointer) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let dy = grads.consume::<B>(&ops.node);
        let (x, weight, bias, options) = ops.state;
        let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x);
        let weight = checkpointer.retrieve_node_output::<FloatTensor<B>>(weight);
        let bias = checkpointer.retrieve_node_output::<FloatTensor<B>>(bias);
        let wanted = Wanted { x: node_x.is_some(), weight: node_weight.is_some(), bias: node_bias.is_some() };
        let [dx, dw, db] = B::cadet_conv2d_grads(x, weight, bias, dy, options, wanted);
        for (node, grad) in [(node_x, dx), (node_weight, dw), (node_bias, db)] {
            if let (Some(node), Some(grad)) = (node, grad) {
                grads.register::<B>(node.id, grad);
            }
        }
    }
}

#[derive(Debug)]
struct MaxPoolBackward;

impl<B: Backend + CadetGrad> Backward<B, 1> for MaxPoolBackward {
    type State = (NodeId, IntTensor<B>, PoolOptions);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut GraphGradients, checkpointer: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let dy = grads.consume::<B>(&ops.node);
        let (x, indices, options) = ops.state;
        let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x);
        if let Some(node) = node_x {
            grads.register::<B>(node.id, B::cadet_max_pool2d_backward(x, options, dy, indices));
        }
    }
}

impl<B: Backend + CadetOps + CadetGrad, C: CheckpointStrategy> CadetOps for Autodiff<B, C> {
    fn cadet_max_pool2d(x: FloatTensor<Self>, options: PoolOptions) -> FloatTensor<Self> {
        match MaxPoolBackward.prepare::<C>([x.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = prep.checkpoint(&x);
                let (out, indices) = B::cadet_max_pool2d_with_indices(x.into_primitive(), options);
                prep.finish((state, indices, options), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::cadet_max_pool2d(x.into_primitive(), options)),
        }
    }

    fn cadet_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        match ConvBackward.prepare::<C>([x.node(), weight.node(), bias.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = (prep.checkpoint(&x), prep.checkpoint(&weight), prep.checkpoint(&bias), options.clone());
                let out = B::cadet_conv2d(x.into_primitive(), weight.into_primitive(), bias.into_primitive(), options);
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::cadet_conv2d(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
                options,
            )),
        }
    }
}
