package dev.jbackprop.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a network is: layer sizes n_1 … n_L (n_1 the input), one activation per weight layer (the
 * last is the output activation) and a cost. Validated on construction: an invalid network is an
 * {@link InvalidConfigException}.
 *
 * @param sizes n_1 … n_L
 * @param activations one per weight layer, the output activation last
 * @param cost the cost
 */
public record NetworkSpec(int[] sizes, List<Activation> activations, Cost cost) {

    public static final int MAX_LAYER_SIZE = 1 << 20;

    public NetworkSpec {
        if (sizes == null || sizes.length < 2) {
            throw new InvalidConfigException(
                    Setting.LAYER_SIZES, "needs at least an input and an output size, e.g. 784,30,10");
        }
        sizes = sizes.clone();
        for (int n : sizes) {
            if (n <= 0 || n > MAX_LAYER_SIZE) {
                throw new InvalidConfigException(
                        Setting.LAYER_SIZES,
                        Wording.of("layer sizes must be between 1 and " + MAX_LAYER_SIZE + ", got " + n + " in "
                                + Arrays.toString(sizes)));
            }
        }
        activations = List.copyOf(activations);
        if (activations.size() != sizes.length - 1) {
            throw new InvalidConfigException(
                    Setting.HIDDEN_ACTIVATIONS,
                    Wording.of("expected " + (sizes.length - 1) + " activations (one per layer after the input), got "
                            + activations.size()));
        }
        for (int l = 0; l < activations.size() - 1; l++) {
            if (activations.get(l).kind() == Activation.Kind.SOFTMAX) {
                throw new InvalidConfigException(
                        Setting.HIDDEN_ACTIVATIONS,
                        Wording.of("softmax is only valid for the output layer, not hidden layer " + (l + 1) + "; "
                                + Cost.VALID_COMBINATIONS));
            }
        }
        cost.checkOutput(activations.get(activations.size() - 1));
    }

    /**
     * Builds a spec from the CLI's pieces: hidden activations (one for all hidden layers, or one per
     * hidden layer), an output activation (null: the cost's default) and a cost.
     */
    public static NetworkSpec of(int[] sizes, List<Activation> hidden, Activation output, Cost cost) {
        if (sizes == null || sizes.length < 2) {
            throw new InvalidConfigException(
                    Setting.LAYER_SIZES, "needs at least an input and an output size, e.g. 784,30,10");
        }
        int nHidden = sizes.length - 2;
        List<Activation> acts = new ArrayList<>();
        if (hidden.size() == 1) {
            for (int i = 0; i < nHidden; i++) acts.add(hidden.get(0));
        } else if (hidden.size() == nHidden) {
            acts.addAll(hidden);
        } else {
            throw new InvalidConfigException(
                    Setting.HIDDEN_ACTIVATIONS,
                    Wording.of(
                            Setting.HIDDEN_ACTIVATIONS,
                            " lists " + hidden.size() + " activations but the network has " + nHidden
                                    + " hidden layers: give one for all, or one per hidden layer"));
        }
        acts.add(output != null ? output : cost.defaultOutput());
        return new NetworkSpec(sizes, acts, cost);
    }

    public static NetworkSpec of(int[] sizes, Activation hidden, Activation output, Cost cost) {
        return of(sizes, List.of(hidden), output, cost);
    }

    public int layers() {
        return sizes.length - 1;
    }

    public int inputSize() {
        return sizes[0];
    }

    public int outputSize() {
        return sizes[sizes.length - 1];
    }

    public int size(int i) {
        return sizes[i];
    }

    @Override
    public int[] sizes() {
        return sizes.clone();
    }

    public Activation activation(int l) {
        return activations.get(l);
    }

    public Activation output() {
        return activations.get(activations.size() - 1);
    }

    public ParamLayout layout() {
        return new ParamLayout(sizes);
    }

    public static int[] parseSizes(String text) {
        String[] parts = text.split(",", -1);
        int[] s = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                s[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new InvalidConfigException(
                        Setting.LAYER_SIZES,
                        Wording.of(
                                Setting.LAYER_SIZES,
                                ": '" + parts[i].trim()
                                        + "' is not a whole number; expected a comma list such as 784,30,10"));
            }
        }
        return s;
    }

    public String sizesText() {
        return ParamLayout.sizesText(sizes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkSpec n
                && Arrays.equals(sizes, n.sizes)
                && activations.equals(n.activations)
                && cost == n.cost;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sizes) * 31 + activations.hashCode() * 7 + cost.hashCode();
    }

    @Override
    public String toString() {
        return "[" + sizesText() + "] " + activations + " " + cost;
    }
}
