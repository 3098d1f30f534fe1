/**
 * face-api's three nets (tiny face detector, 68-point landmarks, recognition net) written as ONNX graphs
 * from the weights face-api ships, layer for layer as face-api's own tfjs code runs them. Inputs are NCHW
 * and already normalized (image-input.ts does mean subtraction and division while resizing).
 *
 * TensorFlow's 'same' padding puts the odd pixel at the end (SAME_UPPER); face-api's leaky ReLU has alpha 0.1;
 * the recognition net's scale layers fold into their convs (w·s, b·s + bias).
 */
import { GraphBuilder, depthwiseToOnnx, hwioToOihw } from './graph-builder.js';
import { weight, type NetWeights, type WeightTensor } from './weights.js';

type Padding = readonly [number, number, number, number] | 'same';

/** tf.separableConv2d (depthwise, then pointwise) plus bias. */
function separableConv(g: GraphBuilder, x: string, w: NetWeights, prefix: string, strides: [number, number], padding: Padding): string {
  const depthwise = depthwiseToOnnx(weight(w, `${prefix}/depthwise_filter`));
  const out = g.conv(x, { weight: depthwise, strides, padding, group: depthwise.shape[0] });
  return g.conv(out, { weight: hwioToOihw(weight(w, `${prefix}/pointwise_filter`)), bias: weight(w, `${prefix}/bias`) });
}

function leaky(g: GraphBuilder, x: string): string {
  return g.node('LeakyRelu', [x], { alpha: { float: 0.10000000149011612 } });
}

function maxPool2(g: GraphBuilder, x: string, stride: 1 | 2): string {
  return g.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [stride, stride], auto_pad: 'SAME_UPPER' });
}

/** TinyYolov2Base.runMobilenet with TinyFaceDetector's config (first layer a plain conv, conv6/7 absent). */
export function tinyFaceDetectorGraph(w: NetWeights): Uint8Array {
  const g = new GraphBuilder('tiny_face_detector');
  let out = leaky(g, g.conv('input', { weight: hwioToOihw(weight(w, 'conv0/filters')), bias: weight(w, 'conv0/bias') }));
  for (const layer of [1, 2, 3, 4, 5]) {
    out = maxPool2(g, out, 2);
    out = leaky(g, separableConv(g, out, w, `conv${layer}`, [1, 1], [1, 1, 1, 1]));
  }
  out = maxPool2(g, out, 1);
  out = g.conv(out, { weight: hwioToOihw(weight(w, 'conv8/filters')), bias: weight(w, 'conv8/bias') });
  return g.encode(out);
}

/** denseBlock4 of face-api's FaceFeatureExtractor. */
function denseBlock(g: GraphBuilder, x: string, w: NetWeights, prefix: string, isFirst: boolean): string {
  const first = isFirst
    ? g.conv(x, {
        weight: hwioToOihw(weight(w, `${prefix}/conv0/filters`)),
        bias: weight(w, `${prefix}/conv0/bias`),
        strides: [2, 2],
        padding: 'same',
      })
    : separableConv(g, x, w, `${prefix}/conv0`, [2, 2], 'same');
  const out1 = g.node('Relu', [first]);
  const out2 = separableConv(g, out1, w, `${prefix}/conv1`, [1, 1], 'same');
  const in3 = g.node('Relu', [g.node('Add', [out1, out2])]);
  const out3 = separableConv(g, in3, w, `${prefix}/conv2`, [1, 1], 'same');
  const sum23 = g.node('Add', [out2, out3]);
  const in4 = g.node('Relu', [g.node('Add', [out1, sum23])]);
  const out4 = separableConv(g, in4, w, `${prefix}/conv3`, [1, 1], 'same');
  return g.node('Relu', [g.node('Add', [out1, g.node('Add', [out2, g.node('Add', [out3, out4])])])]);
}

/** FaceLandmark68Net: four dense blocks, 7×7 average pool, fully connected to 136 values (x, y interleaved). */
export function faceLandmarkGraph(w: NetWeights): Uint8Array {
  const g = new GraphBuilder('face_landmark_68');
  let out = denseBlock(g, 'input', w, 'dense0', true);
  for (const block of ['dense1', 'dense2', 'dense3']) out = denseBlock(g, out, w, block, false);
  out = g.node('AveragePool', [out], { kernel_shape: [7, 7], strides: [2, 2] });
  out = g.node('Flatten', [out], { axis: 1 });
  out = g.node('Gemm', [out, g.constant(weight(w, 'fc/weights')), g.constant(weight(w, 'fc/bias'))]);
  return g.encode(out, 112);
}

/** A conv of the recognition net with its scale layer folded in: conv(x)·s + (bias·s + b). */
function scaledConv(g: GraphBuilder, x: string, w: NetWeights, prefix: string, strides: [number, number], padding: Padding): string {
  const filters = hwioToOihw(weight(w, `${prefix}/conv/filters`));
  const bias = weight(w, `${prefix}/conv/bias`).data;
  const scale = weight(w, `${prefix}/scale/weights`).data;
  const shift = weight(w, `${prefix}/scale/biases`).data;
  const perOutput = filters.data.length / scale.length;
  const folded = filters.data.map((value, index) => value * scale[Math.floor(index / perOutput)]!);
  const foldedBias = bias.map((value, o) => value * scale[o]! + shift[o]!);
  const foldedWeight: WeightTensor = { shape: filters.shape, data: folded };
  return g.conv(x, { weight: foldedWeight, bias: { shape: [foldedBias.length], data: foldedBias }, strides, padding });
}

function residual(g: GraphBuilder, x: string, w: NetWeights, prefix: string): string {
  const out = g.node('Relu', [scaledConv(g, x, w, `${prefix}/conv1`, [1, 1], 'same')]);
  return g.node('Relu', [g.node('Add', [scaledConv(g, out, w, `${prefix}/conv2`, [1, 1], 'same'), x])]);
}

/**
 * face-api's residualDown: the strided 'valid' branch is zero-padded bottom/right when it comes out one
 * smaller than the pooled shortcut, and the shortcut gets zero channels appended when the block widens.
 */
function residualDown(g: GraphBuilder, x: string, w: NetWeights, prefix: string, size: number, channelsIn: number): { out: string; size: number } {
  let out = g.node('Relu', [scaledConv(g, x, w, `${prefix}/conv1`, [2, 2], [0, 0, 0, 0])]);
  out = scaledConv(g, out, w, `${prefix}/conv2`, [1, 1], 'same');
  const convSize = Math.floor((size - 3) / 2) + 1;
  const pooledSize = Math.floor(size / 2);
  if (convSize !== pooledSize) {
    out = g.node('Pad', [out, g.int64Constant([0, 0, 0, 0, 0, 0, 1, 1])]);
  }
  let pooled = g.node('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  const channelsOut = weight(w, `${prefix}/conv2/scale/weights`).data.length;
  if (channelsOut !== channelsIn) {
    pooled = g.node('Pad', [pooled, g.int64Constant([0, 0, 0, 0, 0, channelsOut - channelsIn, 0, 0])]);
  }
  return { out: g.node('Relu', [g.node('Add', [pooled, out])]), size: pooledSize };
}

/** FaceRecognitionNet on a 150×150 aligned face: a ResNet-34-like stack, global mean, 256 → 128. */
export function faceRecognitionGraph(w: NetWeights): Uint8Array {
  const g = new GraphBuilder('face_recognition');
  let out = g.node('Relu', [scaledConv(g, 'input', w, 'conv32_down', [2, 2], [0, 0, 0, 0])]);
  out = g.node('MaxPool', [out], { kernel_shape: [3, 3], strides: [2, 2] });
  let size = Math.floor((Math.floor((150 - 7) / 2) + 1 - 3) / 2) + 1;
  let channels = 32;
  const stages: [string, string[]][] = [
    ['conv64_down', ['conv64_1', 'conv64_2', 'conv64_3']],
    ['conv128_down', ['conv128_1', 'conv128_2']],
    ['conv256_down', ['conv256_1', 'conv256_2']],
    ['conv256_down_out', []],
  ];
  for (const block of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(g, out, w, block);
  for (const [down, blocks] of stages) {
    ({ out, size } = residualDown(g, out, w, down, size, channels));
    channels = weight(w, `${down}/conv2/scale/weights`).data.length;
    for (const block of blocks) out = residual(g, out, w, block);
  }
  out = g.node('ReduceMean', [out], { axes: [2, 3], keepdims: 0 });
  out = g.node('MatMul', [out, g.constant(weight(w, 'fc'))]);
  return g.encode(out, 150);
}
